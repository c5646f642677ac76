package storage

import "github.com/uptrace/bun"

// MemberInboxesSQL is the statement MemberInboxes runs, for the query-plan
// test.
func MemberInboxesSQL(db bun.IDB, groupID string) string {
	return memberInboxesQuery(db, groupID).String()
}
