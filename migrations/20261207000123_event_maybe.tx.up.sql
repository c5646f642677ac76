-- "Maybe" for an event, from the members' pages (issue 18). A maybe is
-- not an attendee: it takes no place, gets no reminder and is not
-- federated (ActivityStreams and Mobilizon's Join have no maybe); it is
-- what the member told the group.

CREATE TABLE event_maybes (
    event_id   TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    actor_id   TEXT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (event_id, actor_id)
);
