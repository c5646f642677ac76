package admin

import (
	"net/http"

	"github.com/kith-social/kith/storage"
)

// domainBlocksPage lists blocked servers and the node-wide log.
type domainBlocksPage struct {
	Blocks []storage.DomainBlock
	Trust  []storage.DomainTrust
	Log    []storage.LogEntry
}

func (a *Admin) domainBlockList(w http.ResponseWriter, r *http.Request) error {
	return a.renderDomainBlocks(w, r, http.StatusOK, newForm(nil))
}

func (a *Admin) renderDomainBlocks(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	ctx := r.Context()
	blocks, err := storage.ListDomainBlocks(ctx, a.db)
	if err != nil {
		return err
	}
	trust, err := storage.ListDomainTrust(ctx, a.db)
	if err != nil {
		return err
	}
	entries, err := storage.ListLog(ctx, a.db, "", maxListed)
	if err != nil {
		return err
	}
	var nodeLog []storage.LogEntry
	for _, e := range entries {
		if e.GroupID == "" {
			nodeLog = append(nodeLog, e)
		}
	}
	return a.render(w, r, status, "domain_blocks", &page{Title: "Domain blocks", Nav: "domain-blocks", Form: f,
		Data: domainBlocksPage{Blocks: blocks, Trust: trust, Log: nodeLog}})
}
