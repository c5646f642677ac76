package webtest

import (
	"context"
	"fmt"
	"strings"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// AccessibilityProblems checks the page a browser shows the way a
// keyboard or screen-reader user meets it, and returns what fails (none:
// it passes):
//
//   - every field has a label (a <label>, aria-label or aria-labelledby),
//     every button and link a name;
//   - text contrasts with what is behind it by WCAG 2.2 AA's measure (1.4.3):
//     4.5:1, or 3:1 for large text (24 px, or 18.66 px bold) — computed
//     from the colours the browser rendered, text over its nearest
//     backgrounds (text over a background image is not measured);
//   - every element Tab reaches shows that it has the focus (2.4.7): its
//     outline, shadow, border, background or underline changes, and an
//     outline shows at 3:1 against the background (1.4.11).
//
// The keyboard check presses Tab through the page from its top, with
// real key events, so what it measures is :focus-visible as a user sees
// it. It moves the focus; reload the page before using it further.
func AccessibilityProblems(ctx context.Context) ([]string, error) {
	var problems []string
	static, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](a11yScript+`; kithA11y.static()`))
	if err != nil {
		return nil, fmt.Errorf("labels and contrast: %w", err)
	}
	problems = append(problems, static...)
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](a11yScript+`; kithA11y.prepareFocus()`))
	if err != nil {
		return nil, fmt.Errorf("focus: %w", err)
	}
	// Each Tab's focus is measured as it lands (a focusin listener), so
	// the keys go in one run.
	if err := chromedp.Do(ctx, chromedp.KeyEvent(strings.Repeat(kb.Tab, n+1))); err != nil {
		return nil, fmt.Errorf("press Tab: %w", err)
	}
	focus, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`kithA11y.focusProblems()`))
	if err != nil {
		return nil, fmt.Errorf("focus: %w", err)
	}
	return append(problems, focus...), nil
}

// a11yScript defines window.kithA11y (once per page).
const a11yScript = `window.kithA11y = window.kithA11y || (() => {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 1;
  const cx = canvas.getContext("2d", {willReadFrequently: true});
  // rgba turns any CSS colour into sRGB bytes and an alpha in [0, 1].
  const rgba = c => {
    cx.clearRect(0, 0, 1, 1);
    cx.fillStyle = "rgba(0,0,0,0)";
    cx.fillStyle = c;
    cx.fillRect(0, 0, 1, 1);
    const d = cx.getImageData(0, 0, 1, 1).data;
    if (d[3] === 0) return {r: 0, g: 0, b: 0, a: 0};
    // getImageData premultiplies nothing but rounds; undo nothing.
    return {r: d[0], g: d[1], b: d[2], a: d[3] / 255};
  };
  const over = (top, under) => ({
    r: top.r * top.a + under.r * (1 - top.a),
    g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a), a: 1,
  });
  const lum = c => {
    const ch = v => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * ch(c.r) + 0.7152 * ch(c.g) + 0.0722 * ch(c.b);
  };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  // background is what shows behind el: its and its ancestors' background
  // colours over white; null behind a background image.
  const background = el => {
    const layers = [];
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.backgroundImage && s.backgroundImage !== "none") return null;
      const c = rgba(s.backgroundColor);
      if (c.a > 0) layers.push(c);
      if (c.a >= 1) break;
    }
    let bg = {r: 255, g: 255, b: 255, a: 1};
    for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
    return bg;
  };
  const describe = el => {
    let d = el.tagName.toLowerCase();
    if (el.id) d += "#" + el.id;
    else if (el.className && typeof el.className === "string") d += "." + el.className.trim().split(/\s+/).join(".");
    const t = (el.innerText || el.value || "").trim().replace(/\s+/g, " ").slice(0, 40);
    return t ? d + " (" + JSON.stringify(t) + ")" : d;
  };
  const shown = el => {
    const s = getComputedStyle(el);
    if (s.visibility === "hidden" || s.display === "none") return false;
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1; // visually hidden text is 1 px
  };
  const named = el => (el.innerText || "").trim() || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby") ||
    [...el.querySelectorAll("img[alt]")].some(i => i.alt.trim()) || (el.title || "").trim();
  const focusables = () => [...document.querySelectorAll(
    "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex='-1'])")]
    .filter(e => !e.disabled);
  const styleKey = el => {
    const s = getComputedStyle(el);
    return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.backgroundColor, s.color,
      s.borderTopColor, s.borderBottomColor, s.borderTopWidth, s.borderBottomWidth, s.textDecorationLine].join("|");
  };
  let before = new Map(), seen = new Set(), focusIssues = [], listening = false;
  // focusProblem tells whether el, just focused, shows it.
  const focusProblem = el => {
    const s = getComputedStyle(el);
    const ring = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 1;
    if (ring) {
      const bg = background(el.parentElement || el) || {r: 255, g: 255, b: 255, a: 1};
      const got = ratio(over(rgba(s.outlineColor), bg), bg);
      return got < 3 ? "focus ring contrast " + got.toFixed(2) + ":1 (needs 3:1): " + describe(el) : "";
    }
    const was = before.get(el);
    return was !== undefined && was !== styleKey(el) ? "" : "no visible focus: " + describe(el);
  };
  return {
    static() {
      const problems = [];
      for (const e of document.querySelectorAll("input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=reset]), textarea, select")) {
        if (!(e.labels && e.labels.length) && !e.getAttribute("aria-label") && !e.getAttribute("aria-labelledby"))
          problems.push("a field without a label: " + describe(e));
      }
      for (const e of document.querySelectorAll("button, a[href], input[type=submit], input[type=button]")) {
        if (!named(e) && !(e.value || "").trim()) problems.push("a control without a name: " + describe(e));
      }
      for (const e of document.querySelectorAll("body *")) {
        if (["SCRIPT", "STYLE", "NOSCRIPT", "TITLE"].includes(e.tagName)) continue;
        const text = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
        if (!text || !shown(e) || e.closest("[disabled]")) continue;
        const bg = background(e);
        if (!bg) continue;
        const s = getComputedStyle(e);
        const fg = over(rgba(s.color), bg);
        const size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight, 10) >= 700;
        const need = size >= 24 || (size >= 18.66 && bold) ? 3 : 4.5;
        const got = ratio(fg, bg);
        if (got < need) problems.push("contrast " + got.toFixed(2) + ":1 (needs " + need + ":1): " + describe(e) + " " + s.color + " on " + JSON.stringify(bg));
      }
      return problems;
    },
    prepareFocus() {
      if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
      before = new Map(focusables().map(e => [e, styleKey(e)]));
      seen = new Set();
      focusIssues = [];
      if (!listening) {
        listening = true;
        document.addEventListener("focusin", ev => {
          const el = ev.target;
          if (seen.has(el)) return;
          seen.add(el);
          const p = focusProblem(el);
          if (p) focusIssues.push(p);
        }, true);
      }
      return before.size;
    },
    focusProblems() {
      if (before.size > 0 && seen.size === 0) return ["Tab focused nothing"];
      return focusIssues;
    },
  };
})()`
