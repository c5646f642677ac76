package federation_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Every IRI the node mints comes from federation/iri.Builder: no code in
// federation, web or cmd makes one by appending a path, a query or a
// fragment to another IRI (p.IRI+"/activity", e.IRI.Group(g)+"/x").
// The fake fediverse and the load generator mint other servers' IRIs and
// are not looked at.
func TestIRIsComeFromTheBuilder(t *testing.T) {
	skip := map[string]bool{"federation/iri": true, "federation/fedtest": true, "cmd/kith-load": true}
	root := ".."
	for _, dir := range []string{"federation", "web", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			if d.IsDir() {
				if skip[filepath.ToSlash(rel)] {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if b, ok := n.(*ast.BinaryExpr); ok && b.Op == token.ADD && extendsIRI(b) {
					t.Errorf("%s: an IRI made by concatenation; add an iri.Builder method", fset.Position(b.Pos()))
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// extendsIRI tells whether b appends a literal path, query or fragment to
// something that is an IRI by its name: x.IRI, groupIRI, b.BlockIRI, or
// what a Builder returns (e.IRI.Group(name)).
func extendsIRI(b *ast.BinaryExpr) bool {
	lit, ok := b.Y.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return false
	}
	s, err := strconv.Unquote(lit.Value)
	if err != nil || s == "" || !strings.ContainsRune("/?#", rune(s[0])) {
		return false
	}
	return namesIRI(b.X)
}

func namesIRI(x ast.Expr) bool {
	switch x := x.(type) {
	case *ast.Ident:
		return strings.HasSuffix(x.Name, "IRI")
	case *ast.SelectorExpr:
		return strings.HasSuffix(x.Sel.Name, "IRI")
	case *ast.CallExpr:
		fun, ok := x.Fun.(*ast.SelectorExpr)
		return ok && namesIRI(fun.X)
	case *ast.BinaryExpr: // "…" + e.IRI.Base() + "/x": what is extended is the last operand
		return x.Op == token.ADD && namesIRI(x.Y)
	}
	return false
}
