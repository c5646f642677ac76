package mailer_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/mailer"
	"github.com/kith-social/kith/federation/mailer/smtptest"
)

func TestNewRefusesBadConfig(t *testing.T) {
	for _, tc := range []struct{ url, from string }{
		{"http://mail.example:25", "kith@example.test"},
		{"smtp://", "kith@example.test"},
		{"smtp://mail.example", "not an address"},
		{"::", "kith@example.test"},
	} {
		if _, err := mailer.New(tc.url, tc.from); !errors.Is(err, mailer.ErrConfig) {
			t.Errorf("New(%q, %q) = %v, want ErrConfig", tc.url, tc.from, err)
		}
	}
	for _, u := range []string{"smtp://mail.example", "smtps://u:p@mail.example:2465"} {
		if _, err := mailer.New(u, "Kith <kith@example.test>"); err != nil {
			t.Errorf("New(%q) = %v", u, err)
		}
	}
}

func TestSendThroughSink(t *testing.T) {
	sink := smtptest.Start(t)
	m, err := mailer.New(sink.URL(), "Kith <kith@example.test>")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err = m.Send(ctx, mailer.Message{
		To:      []string{"Ada <ada@example.test>", "bob@example.test"},
		Subject: "Grüße\r\nBcc: evil@example.test",
		Text:    "Line one\n.\nA long line " + strings.Repeat("é", 80) + "\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	msg := sink.WaitFor(t, func(smtptest.Message) bool { return true }, time.Minute)
	if msg.From != "kith@example.test" || len(msg.To) != 2 || msg.To[0] != "ada@example.test" || msg.Auth != "kith" {
		t.Errorf("envelope: %+v", msg)
	}
	if msg.Header("Bcc") != "" || msg.Subject() != "Grüße Bcc: evil@example.test" {
		t.Errorf("subject %q, bcc %q: a header was injected", msg.Subject(), msg.Header("Bcc"))
	}
	if body := msg.Body(); !strings.Contains(body, "Line one\n.\nA long line "+strings.Repeat("é", 80)) {
		t.Errorf("body = %q", body)
	}
	if err := m.Send(ctx, mailer.Message{To: []string{"nobody"}, Subject: "x"}); err == nil {
		t.Error("a bad recipient was accepted")
	}
}

// The Message-ID names the sender's domain, never the machine's host name.
func TestMessageIDUsesSenderDomain(t *testing.T) {
	sink := smtptest.Start(t)
	m, err := mailer.New(sink.URL(), "Kith <kith@example.test>")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), mailer.Message{To: []string{"ada@example.test"}, Subject: "s", Text: "t"}); err != nil {
		t.Fatal(err)
	}
	msg := sink.WaitFor(t, func(smtptest.Message) bool { return true }, time.Minute)
	if id := msg.Header("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.test>") {
		t.Errorf("Message-ID %q", id)
	}
	if msg.Header("Auto-Submitted") != "auto-generated" {
		t.Errorf("Auto-Submitted %q", msg.Header("Auto-Submitted"))
	}
}
