package admin

import (
	"net/http"
	"sort"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/queue"
)

// serverRow is one remote server's delivery health, how many members
// live there and what software it runs (from its NodeInfo).
type serverRow struct {
	storage.Server
	Members  int
	Software storage.ServerSoftware // zero until checked
}

// federationPage is the delivery health of every server the node talks to.
type federationPage struct {
	Servers     []serverRow
	QueueDepth  int
	Unreachable int
	Failing     int
}

// federationHealth lists remote servers: members on each, the last
// successful delivery, consecutive failures, the last error and since
// when a server is considered unreachable; and the job queue's depth.
func (a *Admin) federationHealth(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	servers, err := storage.ListServers(ctx, a.db)
	if err != nil {
		return err
	}
	members, err := storage.MembersPerHost(ctx, a.db)
	if err != nil {
		return err
	}
	software, err := storage.ListServerSoftware(ctx, a.db)
	if err != nil {
		return err
	}
	softwareOf := make(map[string]storage.ServerSoftware, len(software))
	for _, s := range software {
		softwareOf[s.Host] = s
	}
	var data federationPage
	if data.QueueDepth, err = queue.Depth(ctx, a.db); err != nil {
		return err
	}
	seen := make(map[string]bool, len(servers))
	for _, s := range servers {
		seen[s.Host] = true
		data.Servers = append(data.Servers, serverRow{Server: s, Members: members[s.Host], Software: softwareOf[s.Host]})
		if s.Unreachable() {
			data.Unreachable++
		} else if s.Failures > 0 {
			data.Failing++
		}
	}
	// Servers with members but nothing delivered yet.
	for host, n := range members {
		if !seen[host] {
			data.Servers = append(data.Servers, serverRow{Server: storage.Server{Host: host}, Members: n, Software: softwareOf[host]})
		}
	}
	// Trouble first, then by members, then by name.
	sort.SliceStable(data.Servers, func(i, j int) bool {
		a, b := data.Servers[i], data.Servers[j]
		if a.Unreachable() != b.Unreachable() {
			return a.Unreachable()
		}
		if (a.Failures > 0) != (b.Failures > 0) {
			return a.Failures > 0
		}
		if a.Members != b.Members {
			return a.Members > b.Members
		}
		return a.Host < b.Host
	})
	return a.render(w, r, http.StatusOK, "federation", &page{Title: "Federation health", Nav: "federation", Data: data})
}
