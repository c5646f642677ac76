package tune

import (
	"context"
	"database/sql/driver"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Postgres wraps pgx's connector: see pgConnector.
func Postgres(c driver.Connector) driver.Connector { return pgConnector{c} }

// pgConnector runs a query that comes without arguments — bun's, which
// carry their values in the text — with PostgreSQL's simple protocol the
// first time a connection sees its text. pgx would otherwise prepare every
// new text as a named statement (a round trip of its own) and keep it in a
// cache that texts with values in them, such as the inbox's, never hit
// again. A text seen before on the connection (a page's queries repeat) is
// left to pgx's statement cache, so the server plans it once. Queries with
// arguments (the job queue's) always use the cache.
type pgConnector struct{ driver.Connector }

func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := conn.(*stdlib.Conn)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("PostgreSQL connection is %T, not pgx's", conn)
	}
	return &pgConn{Conn: sc, seen: newSeenTexts()}, nil
}

// pgConn is pgx's connection (every method of it, so database/sql sees
// the same optional interfaces) with QueryContext as pgConnector says.
// database/sql uses a connection from one goroutine at a time.
type pgConn struct {
	*stdlib.Conn
	seen seenTexts // argument-less texts run so far
}

func (c *pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) == 0 && c.seen.firstTime(query) {
		args = []driver.NamedValue{{Ordinal: 1, Value: pgx.QueryExecModeSimpleProtocol}}
	}
	return c.Conn.QueryContext(ctx, query, args)
}
