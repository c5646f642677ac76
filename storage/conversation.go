package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Conversation states.
const (
	ConversationOpen   = "open"
	ConversationClosed = "closed"
)

// Conversation is a modmail thread between a group's moderators and one
// remote person, made of the direct messages they exchange.
type Conversation struct {
	bun.BaseModel `bun:"table:conversations,alias:cv"`

	ID            string    `bun:"id,pk"`
	GroupID       string    `bun:"group_id,notnull"`
	ActorID       string    `bun:"actor_id,notnull"`
	State         string    `bun:"state,notnull"`
	AssignedTo    string    `bun:"assigned_to,notnull"` // a staff username; empty: nobody
	LastMessageAt time.Time `bun:"last_message_at,notnull"`
	CreatedAt     time.Time `bun:"created_at,notnull"`

	Actor *RemoteActor `bun:"rel:belongs-to,join:actor_id=id"`
}

// Message is one message in a conversation: a DM received, an answer
// sent as the group, or an internal note between moderators.
type Message struct {
	bun.BaseModel `bun:"table:conversation_messages,alias:cm"`

	ID             string    `bun:"id,pk"`
	ConversationID string    `bun:"conversation_id,notnull"`
	Incoming       bool      `bun:"incoming,notnull"`
	IRI            string    `bun:"iri,notnull"`
	ContentHTML    string    `bun:"content_html,notnull"` // sanitised
	StaffName      string    `bun:"staff_name,notnull"`
	Internal       bool      `bun:"internal,notnull"` // a moderators' note, never sent
	CreatedAt      time.Time `bun:"created_at,notnull"`
}

// ConversationFor returns the open-or-closed conversation of a group with
// an actor, creating it (open) if there is none; a new message reopens it.
func ConversationFor(ctx context.Context, db bun.IDB, groupID, actorID string, at time.Time) (*Conversation, error) {
	c := &Conversation{ID: NewID(), GroupID: groupID, ActorID: actorID, State: ConversationOpen, LastMessageAt: at.UTC(), CreatedAt: at.UTC()}
	_, err := db.NewInsert().Model(c).
		On("CONFLICT (group_id, actor_id) DO UPDATE").
		Set("state = ?, last_message_at = EXCLUDED.last_message_at", ConversationOpen).
		Returning("id, state, assigned_to, created_at").
		Exec(ctx, &c.ID, &c.State, &c.AssignedTo, &c.CreatedAt)
	if err != nil {
		return nil, fmt.Errorf("conversation: %w", err)
	}
	return c, nil
}

// ConversationByID loads a conversation with its correspondent.
func ConversationByID(ctx context.Context, db bun.IDB, id string) (*Conversation, error) {
	c := new(Conversation)
	if err := db.NewSelect().Model(c).Relation("Actor").Where("cv.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "conversation "+id)
	}
	return c, nil
}

// ListConversations lists a group's conversations in a state, latest activity first.
func ListConversations(ctx context.Context, db bun.IDB, groupID, state string, limit int) ([]Conversation, error) {
	var cs []Conversation
	err := db.NewSelect().Model(&cs).Relation("Actor").Where("cv.group_id = ? AND cv.state = ?", groupID, state).
		Order("cv.last_message_at DESC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list conversations: %w", err)
	}
	return cs, nil
}

// AddMessage appends a message to a conversation and bumps its time.
func AddMessage(ctx context.Context, db bun.IDB, now time.Time, m *Message) error {
	if m.ID == "" {
		m.ID = NewID()
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now.UTC()
	}
	if _, err := db.NewInsert().Model(m).Exec(ctx); err != nil {
		return fmt.Errorf("store message: %w", err)
	}
	if !m.Internal {
		_, err := db.NewUpdate().Model((*Conversation)(nil)).Set("last_message_at = ?", m.CreatedAt).Where("id = ?", m.ConversationID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("bump conversation: %w", err)
		}
	}
	return nil
}

// Messages lists a conversation's messages, oldest first.
func Messages(ctx context.Context, db bun.IDB, conversationID string) ([]Message, error) {
	var ms []Message
	if err := db.NewSelect().Model(&ms).Where("conversation_id = ?", conversationID).Order("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("messages: %w", err)
	}
	return ms, nil
}

// SetConversationState opens or closes a conversation.
func SetConversationState(ctx context.Context, db bun.IDB, id, state string) error {
	if state != ConversationOpen && state != ConversationClosed {
		return fmt.Errorf("conversation state %q: want open or closed", state)
	}
	res, err := db.NewUpdate().Model((*Conversation)(nil)).Set("state = ?", state).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("set conversation state: %w", err)
	}
	return mustAffect(res, "conversation "+id)
}

// AssignConversation gives a conversation to a staff member ("" to nobody).
func AssignConversation(ctx context.Context, db bun.IDB, id, staffName string) error {
	res, err := db.NewUpdate().Model((*Conversation)(nil)).Set("assigned_to = ?", staffName).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("assign conversation: %w", err)
	}
	return mustAffect(res, "conversation "+id)
}
