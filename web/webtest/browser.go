package webtest

import (
	"context"
	"io"
	"net"
	"os"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// ChromiumPath is Debian's chromium, which the browser tests drive; .ci/run
// installs it.
const ChromiumPath = "/usr/bin/chromium"

// SkipWithoutBrowser skips a browser test when chromium is not installed,
// or in -short mode. Call it before building what the test needs.
func SkipWithoutBrowser(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		t.Skipf("browser test skipped: %s not found (apt-get install -y chromium)", ChromiumPath)
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
}

// BrowserOptions change how Browser starts chromium.
type BrowserOptions struct {
	// Node, when set, is the only server the browser reaches: Host
	// resolves to a forwarder into the node's fake fediverse and every
	// other name fails, so a page that loads anything from elsewhere
	// shows a failed request instead of a silent success.
	Node *Node
	// HostRules, without Node, maps names for the browser alone
	// (chromium's --host-resolver-rules, e.g. "MAP kith.home.test
	// 127.0.0.1").
	HostRules string
	// Width and Height are the window's size; 0 means 1200 × 900.
	Width, Height int
	// Listen, when set, receives every DevTools event (requests,
	// dialogs).
	Listen func(ev any)
}

// Browser starts a headless chromium for one test, skipping the test as
// SkipWithoutBrowser does. The context drives the browser until the test
// binary's own deadline (UntilTestDeadline): the steps wait on conditions
// (an element shown, a page loaded), so a loaded machine makes them
// slower, not wrong. The browser closes when the test ends.
func Browser(t *testing.T, o BrowserOptions) context.Context {
	t.Helper()
	SkipWithoutBrowser(t)
	if o.Width == 0 || o.Height == 0 {
		o.Width, o.Height = 1200, 900
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(ChromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(o.Width, o.Height),
		chromedp.UserDataDir(t.TempDir()),
	}
	if o.Node != nil {
		o.HostRules = "MAP " + Host + " " + forward(t, o.Node) + ", MAP * ~NOTFOUND"
	}
	if o.HostRules != "" {
		opts = append(opts,
			chromedp.Flag("host-resolver-rules", o.HostRules),
			// Plain HTTP by name stays plain HTTP.
			chromedp.Flag("disable-features", "HttpsUpgrades,HttpsFirstBalancedModeAutoEnable"))
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	var ctxOpts []chromedp.ContextOption
	if o.Listen != nil {
		ctxOpts = append(ctxOpts, chromedp.WithListener(o.Listen))
	}
	ctx, cancel := chromedp.NewContext(actx, ctxOpts...)
	t.Cleanup(cancel)
	// Start the browser (and, with it, the network domain the listener
	// hears) before the deadline applies to the steps.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancelDeadline := UntilTestDeadline(t, ctx)
	t.Cleanup(cancelDeadline)
	return ctx
}

// forward listens on a loopback port and pipes every connection to the
// node through the fake fediverse, so that a real browser can reach it; it
// returns the listener's address.
func forward(t *testing.T, n *Node) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				up, err := n.Net.DialContext(ctx, "tcp", Host+":80")
				if err != nil {
					return
				}
				defer up.Close()
				context.AfterFunc(ctx, func() { c.Close(); up.Close() })
				done := make(chan struct{})
				go func() {
					_, _ = io.Copy(up, c)
					_ = up.(*net.TCPConn).CloseWrite()
					close(done)
				}()
				_, _ = io.Copy(c, up)
				_ = c.(*net.TCPConn).CloseWrite()
				<-done
			})
		}
	})
	return ln.Addr().String()
}
