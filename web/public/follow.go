package public

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/kith-social/kith/storage"
)

// subscribeRel is the WebFinger link relation of a server's remote-follow
// page (OStatus' name, kept by Mastodon, Misskey, Pleroma, GoToSocial...).
const subscribeRel = "http://ostatus.org/schema/1.0/subscribe"

// maxHandleForm bounds the remote-follow form's body.
const maxHandleForm = 4 << 10

// joinForm is the state of the remote-follow form.
type joinForm struct {
	Value     string // what the visitor typed, shown again
	Error     string // why it did not work, beside the field
	SearchFor bool   // their server has no remote-follow page: tell them what to search for
	Host      string // their server, when known
}

// followPageData is the remote-follow page's model.
type followPageData struct {
	Group *groupView
	Join  *joinForm
}

// followForm shows the remote-follow form on a page of its own (the group
// page carries it too).
func (p *Public) followForm(w http.ResponseWriter, r *http.Request) error {
	return p.renderFollow(w, r, http.StatusOK, &joinForm{})
}

// followSubmit takes the visitor's handle, asks their server for its
// remote-follow page and sends them there to follow the group. When their
// server has none, the page tells them what to search for instead.
func (p *Public) followSubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g, err := storage.GroupByName(ctx, p.db, chi.URLParam(r, "name"))
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxHandleForm)
	if err := r.ParseForm(); err != nil {
		return &httpError{http.StatusBadRequest, "The form could not be read."}
	}
	typed := strings.TrimSpace(r.PostForm.Get("handle"))
	form := &joinForm{Value: typed}
	user, host, err := parseHandle(typed)
	if err == nil && strings.EqualFold(host, p.domain) {
		err = visitorError("That is an address on this server. Type the address of your own account, on the server where you have it.")
	}
	if err != nil {
		form.Error = err.Error()
		return p.renderFollow(w, r, http.StatusUnprocessableEntity, form)
	}
	form.Host = host
	if p.resolver == nil {
		form.SearchFor = true
		return p.renderFollow(w, r, http.StatusOK, form)
	}
	target, err := p.remoteFollowURL(ctx, user, host, g.Name+"@"+p.domain)
	switch {
	case err != nil:
		p.log.InfoContext(ctx, "remote follow lookup failed", "host", host, "err", err)
		form.Error = fmt.Sprintf("We could not find %s@%s. Check the address, or open your server and search for the group there.", user, host)
		return p.renderFollow(w, r, http.StatusUnprocessableEntity, form)
	case target == "":
		form.SearchFor = true
		return p.renderFollow(w, r, http.StatusOK, form)
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

func (p *Public) renderFollow(w http.ResponseWriter, r *http.Request, status int, form *joinForm) error {
	ctx := r.Context()
	g, err := storage.GroupByName(ctx, p.db, chi.URLParam(r, "name"))
	if err != nil {
		return err
	}
	gv, err := p.groupView(ctx, p.db, g)
	if err != nil {
		return err
	}
	return p.render(w, status, "follow", &page{
		Title: "Join " + gv.Title + " (" + gv.Handle + ")", NoIndex: true,
		Data: &followPageData{Group: gv, Join: form},
	})
}

// remoteFollowURL asks host about acct:user@host and fills its
// remote-follow template with acct (the group's handle, user@domain). ""
// means the server offers no usable template.
func (p *Public) remoteFollowURL(ctx context.Context, user, host, acct string) (string, error) {
	body, err := p.resolver.RemoteWebFinger(ctx, "acct:"+user+"@"+host, host)
	if err != nil {
		return "", fmt.Errorf("webfinger %s@%s: %w", user, host, err)
	}
	var jrd struct {
		Links []struct {
			Rel      string `json:"rel"`
			Template string `json:"template"`
		} `json:"links"`
	}
	if err := json.Unmarshal(body, &jrd); err != nil {
		return "", fmt.Errorf("webfinger %s@%s: decode: %w", user, host, err)
	}
	for _, l := range jrd.Links {
		if l.Rel != subscribeRel || !strings.Contains(l.Template, "{uri}") {
			continue
		}
		target := strings.ReplaceAll(l.Template, "{uri}", url.QueryEscape(acct))
		if p.safeRedirect(target) {
			return target, nil
		}
	}
	return "", nil
}

// safeRedirect accepts only absolute web URLs for the redirect: a remote
// server must not send our visitors to javascript: or to our own paths.
func (p *Public) safeRedirect(target string) bool {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" || u.User != nil {
		return false
	}
	return u.Scheme == "https" || (p.insecure && u.Scheme == "http")
}

var (
	userRE = regexp.MustCompile(`^[\pL\pN_.~+-]{1,128}$`)
	hostRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+(:[0-9]{1,5})?$`)
)

// visitorError is an error whose text is a whole sentence shown to the
// visitor on the form, capitalised and punctuated as such (unlike an
// ordinary Go error, which is wrapped into others).
type visitorError string

func (e visitorError) Error() string { return string(e) }

// parseHandle reads a fediverse address as people type it: alice@host,
// @alice@host, acct:alice@host, or a profile URL https://host/@alice. The
// error is a sentence for the visitor.
func parseHandle(s string) (user, host string, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", "", visitorError("Type the address of your fediverse account, for example alice@mastodon.social.")
	}
	bad := visitorError(fmt.Sprintf("“%s” is not a fediverse address. Addresses look like alice@mastodon.social: your user name, @, your server.", s))
	if len(s) > 300 {
		return "", "", visitorError("That is too long for a fediverse address. Addresses look like alice@mastodon.social.")
	}
	if u, perr := url.Parse(s); perr == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		// A profile link: https://host/@alice
		name, ok := strings.CutPrefix(strings.TrimSuffix(u.EscapedPath(), "/"), "/@")
		if !ok || strings.Contains(name, "/") {
			return "", "", bad
		}
		user, host = name, u.Host
	} else {
		s = strings.TrimPrefix(strings.TrimPrefix(s, "acct:"), "@")
		var ok bool
		if user, host, ok = strings.Cut(s, "@"); !ok {
			return "", "", visitorError(fmt.Sprintf("“%s” is missing your server. Addresses look like alice@mastodon.social: your user name, @, your server.", s))
		}
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if !userRE.MatchString(user) || !hostRE.MatchString(host) {
		return "", "", bad
	}
	if _, port, ok := strings.Cut(host, ":"); ok {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", "", bad
		}
	}
	return user, host, nil
}
