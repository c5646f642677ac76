package admin

import "net/http"

func (a *Admin) groupList(w http.ResponseWriter, r *http.Request) error {
	rows, err := a.managedGroupRows(r.Context())
	if err != nil {
		return err
	}
	return a.render(w, r, http.StatusOK, "groups", &page{Title: "Groups", Nav: "groups", Data: rows})
}
