// Package mailer sends plain-text e-mail (staff notifications) over SMTP
// with the standard library's net/smtp. The engine depends on the small
// Sender interface, so tests and other transports can stand in.
package mailer

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"
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
	addr        string // host:port
	host        string
	from        *mail.Address
	auth        smtp.Auth
	implicitTLS bool
	tls         *tls.Config
	timeout     time.Duration
}

var _ Sender = (*SMTP)(nil)

// New configures an SMTP sender from a URL and a From address:
//
//	smtp://user:pass@host:port   STARTTLS when the server offers it (port 587 by default)
//	smtps://user:pass@host:port  TLS from the start (port 465 by default)
//
// Credentials are sent with AUTH PLAIN, which net/smtp allows only over TLS
// or to localhost. from is "Name <addr@example>" or a bare address.
func New(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: SMTP URL: %v", ErrConfig, err)
	}
	s := &SMTP{host: u.Hostname(), timeout: 30 * time.Second}
	port := u.Port()
	switch u.Scheme {
	case "smtp":
		if port == "" {
			port = "587"
		}
	case "smtps":
		s.implicitTLS = true
		if port == "" {
			port = "465"
		}
	default:
		return nil, fmt.Errorf("%w: SMTP URL scheme %q: want smtp or smtps", ErrConfig, u.Scheme)
	}
	if s.host == "" {
		return nil, fmt.Errorf("%w: SMTP URL has no host", ErrConfig)
	}
	s.addr = net.JoinHostPort(s.host, port)
	s.tls = &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
	if u.User != nil {
		pass, _ := u.User.Password()
		s.auth = smtp.PlainAuth("", u.User.Username(), pass, s.host)
	}
	if s.from, err = mail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("%w: From address %q: %v", ErrConfig, from, err)
	}
	return s, nil
}

// Send delivers m: connect, STARTTLS if offered (or TLS from the start),
// authenticate when credentials were given, then MAIL, RCPT and DATA.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	if len(m.To) == 0 {
		return errors.New("send mail: no recipient")
	}
	var to []string
	for _, addr := range m.To {
		a, err := mail.ParseAddress(addr)
		if err != nil {
			return fmt.Errorf("send mail: recipient %q: %w", addr, err)
		}
		to = append(to, a.Address)
	}
	body, err := s.compose(m, to, time.Now())
	if err != nil {
		return err
	}
	conn, err := s.dial(ctx)
	if err != nil {
		return fmt.Errorf("connect to SMTP server %s: %w", s.addr, err)
	}
	deadline := time.Now().Add(s.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("SMTP greeting from %s: %w", s.addr, err)
	}
	defer c.Close()
	if !s.implicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tls); err != nil {
				return fmt.Errorf("SMTP STARTTLS with %s: %w", s.addr, err)
			}
		}
	}
	if s.auth != nil {
		if ok, _ := c.Extension("AUTH"); !ok {
			return fmt.Errorf("SMTP server %s does not offer AUTH, but credentials were configured", s.addr)
		}
		if err := c.Auth(s.auth); err != nil {
			return fmt.Errorf("SMTP AUTH with %s: %w", s.addr, err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return fmt.Errorf("SMTP MAIL FROM: %w", err)
	}
	for _, addr := range to {
		if err := c.Rcpt(addr); err != nil {
			return fmt.Errorf("SMTP RCPT TO %s: %w", addr, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("SMTP DATA: %w", err)
	}
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("SMTP DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("SMTP message refused: %w", err)
	}
	if err := c.Quit(); err != nil {
		return fmt.Errorf("SMTP QUIT: %w", err)
	}
	return nil
}

func (s *SMTP) dial(ctx context.Context) (net.Conn, error) {
	d := &net.Dialer{Timeout: 10 * time.Second}
	if s.implicitTLS {
		td := &tls.Dialer{NetDialer: d, Config: s.tls}
		return td.DialContext(ctx, "tcp", s.addr)
	}
	return d.DialContext(ctx, "tcp", s.addr)
}

// compose writes the message: headers (the subject MIME-encoded, line
// breaks removed so no header can be injected) and a quoted-printable
// UTF-8 body with CRLF line ends.
func (s *SMTP) compose(m Message, to []string, now time.Time) ([]byte, error) {
	subject := strings.Join(strings.Fields(m.Subject), " ")
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	domain := s.from.Address[strings.LastIndex(s.from.Address, "@")+1:]
	var b bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", s.from.String())
	header("To", strings.Join(to, ", "))
	header("Subject", mime.QEncoding.Encode("utf-8", subject))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", "<"+hex.EncodeToString(id)+"@"+domain+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	text := strings.ReplaceAll(strings.ReplaceAll(m.Text, "\r\n", "\n"), "\n", "\r\n")
	if _, err := qp.Write([]byte(text)); err != nil {
		return nil, fmt.Errorf("encode mail body: %w", err)
	}
	if err := qp.Close(); err != nil {
		return nil, fmt.Errorf("encode mail body: %w", err)
	}
	return b.Bytes(), nil
}
