package tune

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
)

// SQLite compiles every statement it runs (sqlite3_prepare), and the
// pure-Go driver keeps nothing between calls, so a statement run a
// thousand times is compiled a thousand times. For the job queue's
// statements — long, always the same text, values passed as arguments —
// compiling was half of what inserting a job cost (docs/performance.md).
// stmtCacheConnector keeps, per connection, the compiled form of the
// statements that come with arguments and reuses it. bun writes its values
// into the text, so its statements would never repeat: a statement without
// arguments has its literals bound as arguments first (bindLiterals), and
// is then cached like any other. One that cannot be bound is cached only
// if it is a SELECT the connection has seen before (a page's lookups
// repeat); other such texts would only churn the cache.
//
// The wrapper forwards every optional interface the driver's connection
// implements (context-aware Begin/Prepare/Exec/Query, Ping, ResetSession,
// IsValid): without them database/sql falls back to context-free calls.
type stmtCacheConnector struct {
	driver.Connector
	size   int
	noBind bool // Options.NoBinder
}

// SQLite wraps the SQLite driver's connector with what o leaves on: the
// statement cache, and the literal binder that feeds it. With
// Options.NoCache it returns c itself (binding pays only through the cache).
func SQLite(c driver.Connector, o Options) driver.Connector {
	if o.NoCache {
		return c
	}
	return stmtCacheConnector{Connector: c, size: stmtCacheSize, noBind: o.NoBinder}
}

// stmtCacheSize bounds the compiled statements kept per connection: the
// queue uses a few dozen distinct statements, and bound ones come in a few
// dozen shapes more.
const stmtCacheSize = 128

// sqliteConn is what the driver's connection implements (asserted at
// Connect, so a driver upgrade that drops one fails loudly at start-up).
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachedStmt is what a compiled statement must do for reuse.
type cachedStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

func (c stmtCacheConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := conn.(sqliteConn)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("sqlite connection %T lacks a context-aware method", conn)
	}
	return &stmtCacheConn{sqliteConn: sc, size: c.size, noBind: c.noBind, byQuery: map[string]*list.Element{}, lru: list.New(), seen: newSeenTexts(), bound: map[string]boundQuery{}}, nil
}

// stmtCacheConn is one connection with its compiled statements. database/sql
// uses a connection from one goroutine at a time, so it needs no lock.
type stmtCacheConn struct {
	sqliteConn
	size    int
	noBind  bool
	byQuery map[string]*list.Element // of *stmtEntry
	lru     *list.List               // most recently used first
	seen    seenTexts                // argument-less SELECTs run so far
	bound   map[string]boundQuery    // SELECT texts bound lately (bind)
}

type stmtEntry struct {
	query string
	stmt  cachedStmt
	busy  bool // its rows are open: a second use must compile its own
}

// get returns the cached statement for query, compiling and caching it on
// first use; nil (and no error) when it is in use by open rows, so the
// caller runs the query uncached.
func (c *stmtCacheConn) get(ctx context.Context, query string) (*stmtEntry, error) {
	if el, ok := c.byQuery[query]; ok {
		e := el.Value.(*stmtEntry)
		if e.busy {
			return nil, nil
		}
		c.lru.MoveToFront(el)
		return e, nil
	}
	st, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	cs, ok := st.(cachedStmt)
	if !ok {
		st.Close()
		return nil, fmt.Errorf("sqlite statement %T lacks a context-aware method", st)
	}
	e := &stmtEntry{query: query, stmt: cs}
	c.byQuery[query] = c.lru.PushFront(e)
	c.evict()
	return e, nil
}

// evict closes the least recently used idle statements beyond the bound.
func (c *stmtCacheConn) evict() {
	for el := c.lru.Back(); el != nil && c.lru.Len() > c.size; {
		prev := el.Prev()
		if e := el.Value.(*stmtEntry); !e.busy {
			c.lru.Remove(el)
			delete(c.byQuery, e.query)
			e.stmt.Close()
		}
		el = prev
	}
}

// cached is the statement to run query with, and the text and arguments to
// run it with. A text without arguments has its literals bound first
// (bindLiterals); what cannot be bound is cached only if it is a SELECT
// seen before. The statement is nil when the query is to run uncached:
// not cached as above, or its cached statement is busy.
func (c *stmtCacheConn) cached(ctx context.Context, query string, args []driver.NamedValue) (*stmtEntry, string, []driver.NamedValue, error) {
	if len(args) == 0 {
		if !c.noBind {
			if bound, values, ok := c.bind(query); ok {
				e, err := c.get(ctx, bound)
				if err != nil {
					// SQLite refused a parameter where a literal stood; the
					// text as it came says whether it is the query's fault.
					return nil, query, nil, nil
				}
				return e, bound, values, nil
			}
		}
		if _, cached := c.byQuery[query]; !cached && (!strings.HasPrefix(query, "SELECT ") || c.seen.firstTime(query)) {
			return nil, query, args, nil
		}
	}
	e, err := c.get(ctx, query)
	return e, query, args, err
}

// bind is bindLiterals, remembering the result for SELECTs: a page asks
// the same ones again and again, while writes rarely repeat their values.
func (c *stmtCacheConn) bind(query string) (string, []driver.NamedValue, bool) {
	if b, ok := c.bound[query]; ok {
		return b.query, b.args, true
	}
	bound, args, ok := bindLiterals(query)
	if ok && strings.HasPrefix(query, "SELECT ") {
		if len(c.bound) >= boundMax {
			clear(c.bound)
		}
		c.bound[query] = boundQuery{bound, args}
	}
	return bound, args, ok
}

// boundQuery is a text's bindLiterals result; its arguments are shared by
// every run of the text and never changed.
type boundQuery struct {
	query string
	args  []driver.NamedValue
}

// boundMax bounds the SELECT texts a connection remembers the binding of.
const boundMax = 256

func (c *stmtCacheConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, query, args, err := c.cached(ctx, query, args)
	switch {
	case err != nil:
		return nil, err
	case e == nil:
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	return e.stmt.ExecContext(ctx, args)
}

func (c *stmtCacheConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	e, query, args, err := c.cached(ctx, query, args)
	switch {
	case err != nil:
		return nil, err
	case e == nil:
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	rows, err := e.stmt.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	sr, ok := rows.(sqliteRows)
	if !ok {
		rows.Close()
		return nil, fmt.Errorf("sqlite rows %T lack column types", rows)
	}
	e.busy = true
	return &cachedRows{sqliteRows: sr, entry: e}, nil
}

// Close finalises the cached statements, then the connection.
func (c *stmtCacheConn) Close() error {
	var errs []error
	for el := c.lru.Front(); el != nil; el = el.Next() {
		errs = append(errs, el.Value.(*stmtEntry).stmt.Close())
	}
	c.lru.Init()
	clear(c.byQuery)
	return errors.Join(append(errs, c.sqliteConn.Close())...)
}

// sqliteRows is what the driver's rows implement; the wrapper forwards it
// so that database/sql's ColumnTypes stays as informative as without it.
type sqliteRows interface {
	driver.Rows
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypeNullable
	driver.RowsColumnTypePrecisionScale
	driver.RowsColumnTypeScanType
}

// cachedRows frees its statement for the next use when closed.
type cachedRows struct {
	sqliteRows
	entry *stmtEntry
}

func (r *cachedRows) Close() error {
	err := r.sqliteRows.Close()
	r.entry.busy = false
	return err
}
