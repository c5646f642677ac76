// Package mailer sends plain-text e-mail (staff notifications) over SMTP
// with go-mail (a maintained client; the standard library's net/smtp is
// frozen). The engine depends on the small
// Sender interface, so tests and other transports can stand in.
package mailer

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is a plain-text e-mail.
type Message struct {
	To      []string
	Subject string
	Text    string
}

// Sender sends messages.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// ErrConfig is a mail configuration that cannot work.
var ErrConfig = errors.New("invalid mail configuration")

// SMTP sends through one SMTP server.
type SMTP struct {
	addr string // host:port
	host string
	from *mail.Address
	opts []gomail.Option
}

var _ Sender = (*SMTP)(nil)

// New configures an SMTP sender from a URL and a From address:
//
//	smtp://user:pass@host:port   STARTTLS when the server offers it (port 587 by default)
//	smtps://user:pass@host:port  TLS from the start (port 465 by default)
//
// Credentials are sent with AUTH PLAIN, which is refused without TLS
// except to localhost. from is "Name <addr@example>" or a bare address.
func New(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: SMTP URL: %v", ErrConfig, err)
	}
	s := &SMTP{host: u.Hostname()}
	port := u.Port()
	switch u.Scheme {
	case "smtp":
		if port == "" {
			port = "587"
		}
		s.opts = append(s.opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case "smtps":
		if port == "" {
			port = "465"
		}
		s.opts = append(s.opts, gomail.WithSSL())
	default:
		return nil, fmt.Errorf("%w: SMTP URL scheme %q: want smtp or smtps", ErrConfig, u.Scheme)
	}
	if s.host == "" {
		return nil, fmt.Errorf("%w: SMTP URL has no host", ErrConfig)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return nil, fmt.Errorf("%w: SMTP URL port %q", ErrConfig, port)
	}
	s.addr = net.JoinHostPort(s.host, port)
	s.opts = append(s.opts, gomail.WithPort(p), gomail.WithTimeout(30*time.Second),
		gomail.WithTLSConfig(&tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}))
	if u.User != nil {
		pass, _ := u.User.Password()
		s.opts = append(s.opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
	}
	if s.from, err = mail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("%w: From address %q: %v", ErrConfig, from, err)
	}
	return s, nil
}

// Send delivers m: connect, STARTTLS if offered (or TLS from the start),
// authenticate when credentials were given, then MAIL, RCPT and DATA.
// go-mail writes the message: the subject MIME-encoded (line breaks are
// removed first, so no header can be injected) and a quoted-printable
// UTF-8 body.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	if len(m.To) == 0 {
		return errors.New("send mail: no recipient")
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.SetAddrHeaderIgnoreInvalid(gomail.HeaderFrom, s.from.String())
	for _, addr := range m.To {
		a, err := mail.ParseAddress(addr)
		if err != nil {
			return fmt.Errorf("send mail: recipient %q: %w", addr, err)
		}
		msg.AddToMailAddress(&mail.Address{Address: a.Address})
	}
	msg.Subject(strings.Join(strings.Fields(m.Subject), " "))
	msg.SetDate()
	// The Message-ID names the sender's domain, not this machine's host name.
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	msg.SetMessageIDWithValue(hex.EncodeToString(id) + "@" + s.from.Address[strings.LastIndex(s.from.Address, "@")+1:])
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	c, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return fmt.Errorf("SMTP client for %s: %w", s.addr, err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("send mail through %s: %w", s.addr, err)
	}
	return nil
}
