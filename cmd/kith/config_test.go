package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func loadConfig(t *testing.T, args []string, envs map[string]string) (*Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cf := addConfigFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return cf.load(func(k string) string { return envs[k] })
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	c, err := loadConfig(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	// No domain: a local trial on plain http.
	if c.Listen != "127.0.0.1:8080" || c.Domain != "127.0.0.1:8080" || c.Data != "./data" || c.DatabaseURL != "" ||
		!c.InsecureHTTP || !c.LocalTrial || c.AllowPrivateNetworks || c.AuthorizedFetch {
		t.Errorf("defaults = %+v", c)
	}
	if c.Scheme() != "http" {
		t.Errorf("local trial scheme = %s", c.Scheme())
	}
	if c.DeliveryWorkers != 32 || c.InboxWorkers != 8 || c.JobRescueAfter != 3*time.Minute {
		t.Errorf("queue defaults = %d delivery, %d inbox workers, rescue after %s", c.DeliveryWorkers, c.InboxWorkers, c.JobRescueAfter)
	}
	if c.InboxRate != 12000 || c.InboxServerRate != 60000 {
		t.Errorf("inbox budgets = %d per IP, %d per server; want 12000, 60000", c.InboxRate, c.InboxServerRate)
	}
	// A public node names its domain and gets https.
	c, err = loadConfig(t, []string{"--domain", "kith.example"}, nil)
	if err != nil || c.InsecureHTTP || c.LocalTrial || c.Scheme() != "https" {
		t.Errorf("public node = %+v, %v", c, err)
	}
	// An explicit --insecure-http=false keeps https even without a domain.
	c, err = loadConfig(t, []string{"--insecure-http=false"}, nil)
	if err != nil || c.InsecureHTTP || c.LocalTrial {
		t.Errorf("explicit https = %+v, %v", c, err)
	}
}

func TestConfigTrustedProxies(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string // the prefixes, comma-separated
	}{
		{"default: a proxy on this machine", nil, nil, "127.0.0.0/8,::1/128"},
		{"flag", []string{"--trusted-proxies", "10.0.0.0/8, fd00::/8"}, nil, "10.0.0.0/8,fd00::/8"},
		{"env", nil, map[string]string{"KITH_TRUSTED_PROXIES": "192.0.2.10"}, "192.0.2.10/32"},
		{"bare IPv6 address", []string{"--trusted-proxies", "2001:db8::5"}, nil, "2001:db8::5/128"},
		{"host bits are masked", []string{"--trusted-proxies", "10.1.2.3/16"}, nil, "10.1.0.0/16"},
		{"empty flag trusts none", []string{"--trusted-proxies="}, nil, ""},
		{"none trusts none", nil, map[string]string{"KITH_TRUSTED_PROXIES": "none"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(t, tc.args, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if c.TrustedProxies == nil {
				t.Fatal("TrustedProxies is nil: the web layer would take its default")
			}
			var got []string
			for _, p := range c.TrustedProxies {
				got = append(got, p.String())
			}
			if strings.Join(got, ",") != tc.want {
				t.Errorf("trusted proxies = %v, want %s", got, tc.want)
			}
		})
	}
}

func TestConfigPrecedence(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "kith.env")
	os.WriteFile(file, []byte("# comment\nKITH_DOMAIN=file.example\nKITH_DATA=\"/from/file\"\nexport KITH_LISTEN=127.0.0.1:7000\nKITH_INSECURE_HTTP=true\n"), 0o600)
	c, err := loadConfig(t, []string{"--config", file, "--domain", "flag.example"},
		map[string]string{"KITH_DOMAIN": "env.example", "KITH_DATA": "/from/env"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Domain != "flag.example" || c.Data != "/from/env" || c.Listen != "127.0.0.1:7000" || !c.InsecureHTTP {
		t.Errorf("precedence wrong: %+v", c)
	}
	if c.Scheme() != "http" {
		t.Errorf("scheme = %s", c.Scheme())
	}
	// The file named by the environment works too, and a bool flag without value is true.
	c, err = loadConfig(t, []string{"--allow-private-networks"}, map[string]string{"KITH_CONFIG": file})
	if err != nil || c.Domain != "file.example" || !c.AllowPrivateNetworks {
		t.Errorf("KITH_CONFIG: %+v, %v", c, err)
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	badFile := filepath.Join(dir, "bad.env")
	os.WriteFile(badFile, []byte("KITH_NOPE=1\n"), 0o600)
	noEq := filepath.Join(dir, "noeq.env")
	os.WriteFile(noEq, []byte("KITH_LISTEN\n"), 0o600)
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"listen not host:port", []string{"--listen", "8080"}, nil, `--listen: "8080" is not host:port`},
		{"listen bad port", []string{"--listen", "127.0.0.1:99999"}, nil, "--listen: port"},
		{"domain with scheme", []string{"--domain", "https://kith.example"}, nil, "--domain: \"https://kith.example\": give only the host name"},
		{"domain with path", []string{"--domain", "kith.example/x"}, nil, "give only the host name"},
		{"domain bad port", []string{"--domain", "kith.example:0"}, nil, "port \"0\""},
		{"domain bad chars", []string{"--domain", "kith_example.org"}, nil, "not a valid host name"},
		{"empty data", []string{"--data", " "}, nil, "--data: the data directory must not be empty"},
		{"mysql", []string{"--database", "mysql://x"}, nil, "--database: \"mysql://x\""},
		{"bool env", nil, map[string]string{"KITH_INSECURE_HTTP": "maybe"}, `--insecure-http: "maybe" is not true or false`},
		{"log level", []string{"--log-level", "loud"}, nil, `--log-level: "loud"`},
		{"smtp scheme", []string{"--smtp-url", "http://mail.example", "--smtp-from", "kith@example.org"}, nil, "--smtp-url:"},
		{"smtp without from", []string{"--smtp-url", "smtp://mail.example"}, nil, "--smtp-url:"},
		{"workers not a number", []string{"--delivery-workers", "many"}, nil, `--delivery-workers: "many" is not a number from 1 to 1000`},
		{"inbox rate of none", []string{"--inbox-rate", "0"}, nil, `--inbox-rate: "0" is not a number of requests a minute from 1 to 100000000`},
		{"server rate not a number", nil, map[string]string{"KITH_INBOX_SERVER_RATE": "lots"}, `"lots" is not a number of requests a minute`},
		{"no inbox workers", nil, map[string]string{"KITH_INBOX_WORKERS": "0"}, `--inbox-workers: "0" is not a number`},
		{"rescue not a duration", []string{"--job-rescue-after", "soon"}, nil, `--job-rescue-after: "soon" is not a duration`},
		{"rescue too short", []string{"--job-rescue-after", "1m"}, nil, "--job-rescue-after: 1m0s must be longer than the 2m0s"},
		{"trusted proxy not a CIDR", []string{"--trusted-proxies", "10.0.0.0/8,proxy.internal"}, nil, `--trusted-proxies: "proxy.internal" is not a CIDR`},
		{"trusted proxy bad bits", nil, map[string]string{"KITH_TRUSTED_PROXIES": "10.0.0.0/33"}, `--trusted-proxies: "10.0.0.0/33" is not a CIDR`},
		{"trust everyone", []string{"--trusted-proxies", "0.0.0.0/0"}, nil, `--trusted-proxies: "0.0.0.0/0" trusts every address`},
		{"trust everyone v6", []string{"--trusted-proxies", "::/0"}, nil, `trusts every address`},
		{"v4-mapped proxy", []string{"--trusted-proxies", "::ffff:10.0.0.0/104"}, nil, `write IPv4 networks as IPv4`},
		{"unknown file key", []string{"--config", badFile}, nil, "unknown setting KITH_NOPE"},
		{"file line", []string{"--config", noEq}, nil, "line 1: want KITH_NAME=value"},
		{"missing file", []string{"--config", filepath.Join(dir, "none")}, nil, "config file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadConfig(t, tc.args, tc.env)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
	// Several problems are reported together.
	_, err := loadConfig(t, []string{"--listen", "x", "--domain", "a b"}, nil)
	if err == nil || !strings.Contains(err.Error(), "--listen") || !strings.Contains(err.Error(), "--domain") {
		t.Errorf("combined errors: %v", err)
	}
}
