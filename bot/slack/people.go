package slack

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"

	"qunsu"
)

// How long what Slack told about people is kept: a user id found by e-mail
// rarely changes; an e-mail Slack did not know may be added soon.
const (
	knownTTL   = 7 * 24 * time.Hour
	unknownTTL = time.Hour
	noUser     = "-"
)

// people maps the directory to Slack users: by the Slack id in the
// configuration, or by e-mail through users.lookupByEmail, remembered.
type people struct {
	api    *slackgo.Client
	memory qunsu.Memory
	tenant *qunsu.Settings
	log    *slog.Logger
}

// userID returns the Slack user id of a person of the directory.
func (p *people) userID(ctx context.Context, person string) (string, bool, error) {
	who, ok := p.tenant.Directory.Person(person)
	if !ok {
		return "", false, nil
	}
	if who.Slack != "" {
		return who.Slack, true, nil
	}
	if who.Email == "" {
		return "", false, nil
	}
	key := "slack:user:" + strings.ToLower(who.Email)
	if id, found, err := p.memory.Recall(ctx, p.tenant.Tenant, key); err != nil || found {
		return id, found && id != noUser, err
	}
	user, err := p.api.GetUserByEmailContext(ctx, who.Email)
	var slackErr slackgo.SlackErrorResponse
	if errors.As(err, &slackErr) && slackErr.Err == "users_not_found" {
		p.log.Warn("no Slack user has this person's e-mail", "person", person)
		return "", false, p.memory.Remember(ctx, p.tenant.Tenant, key, noUser, unknownTTL)
	}
	if err != nil {
		return "", false, err
	}
	return user.ID, true, p.memory.Remember(ctx, p.tenant.Tenant, key, user.ID, knownTTL)
}

// emailOf returns the e-mail of a Slack user, when the directory needs it: only
// people listed by e-mail alone are found that way.
func (p *people) emailOf(ctx context.Context, userID string) string {
	if !p.someByEmailOnly() {
		return ""
	}
	for _, who := range p.tenant.Directory.People {
		if who.Slack == userID {
			return "" // known by id
		}
	}
	key := "slack:email:" + userID
	if email, found, err := p.memory.Recall(ctx, p.tenant.Tenant, key); err == nil && found {
		return strings.TrimPrefix(email, noUser)
	}
	// Slack waits for the request's answer: give the lookup a second at most.
	lctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	user, err := p.api.GetUserInfoContext(lctx, userID)
	if err != nil {
		p.log.Warn("users.info failed", "user", userID, "err", err)
		return ""
	}
	email := user.Profile.Email
	ttl := knownTTL
	if email == "" {
		email, ttl = noUser, unknownTTL
	}
	if err := p.memory.Remember(ctx, p.tenant.Tenant, key, email, ttl); err != nil {
		p.log.Warn("remembering an e-mail failed", "err", err)
	}
	return strings.TrimPrefix(email, noUser)
}

func (p *people) someByEmailOnly() bool {
	for _, who := range p.tenant.Directory.People {
		if who.Slack == "" && who.Email != "" {
			return true
		}
	}
	return false
}

// mention renders a person for a post: a real mention when Slack knows them,
// else their name.
func (p *people) mention(ctx context.Context, person string) (string, error) {
	id, ok, err := p.userID(ctx, person)
	if err != nil {
		return "", err
	}
	if ok {
		return "<@" + id + ">", nil
	}
	if who, known := p.tenant.Directory.Person(person); known {
		return "@" + who.Name, nil
	}
	return "@" + person, nil
}
