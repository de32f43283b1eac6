package handlers

import (
	"qunsu"
	"qunsu/render"
)

// hasTeamChat reports whether a complaint has a chat of its own: a group
// complaint does, and keeps it when downgraded by hand to an ordinary one, so
// that the team goes on where it has been talking.
func hasTeamChat(c *qunsu.Complaint, s *qunsu.Settings) bool {
	if s.Policy.IsGroup(c.Grade) {
		return true
	}
	for _, ch := range c.Changes {
		if s.Policy.IsGroup(ch.From) {
			return true
		}
	}
	return false
}

// teamMessage addresses text to a complaint's team: its own chat for a group
// complaint (created with these members on first use, joined by new ones later),
// the chat it was reported in for an ordinary complaint.
func teamMessage(c *qunsu.Complaint, s *qunsu.Settings, text string) qunsu.Message {
	m := qunsu.Message{Text: text}
	if !hasTeamChat(c, s) {
		m.Chat = c.Origin
		return m
	}
	m.Chat = qunsu.Chat{Kind: qunsu.ChatTeam, Complaint: c.ID, Name: c.Project}
	m.Title = teamChatName(c, s, s.Lang)
	for _, member := range c.Team {
		if !member.Notify && !contains(m.Members, member.Person) {
			m.Members = append(m.Members, member.Person)
		}
		if member.Role == qunsu.RoleCRHead && m.Owner == "" {
			m.Owner = member.Person // customer relations leads (G §5.1)
		}
	}
	return m
}

// teamChatName is the name of a complaint's team chat.
func teamChatName(c *qunsu.Complaint, s *qunsu.Settings, lang qunsu.Lang) string {
	if !hasTeamChat(c, s) {
		return render.T(lang, "team.none")
	}
	return render.T(lang, "team.chat", c.ID, c.Project)
}

// notifyInformed tells people who are only informed (e.g. HQ on a crisis) by
// direct message.
func notifyInformed(c *qunsu.Complaint, s *qunsu.Settings, members []qunsu.Member) []qunsu.Message {
	var out []qunsu.Message
	for _, m := range members {
		if !m.Notify {
			continue
		}
		text := render.T(s.Lang, "team.informed", m.Role.Name(s.Lang), c.ID, c.Project,
			render.Grade(c.Assessment, s.Policy, s.Lang))
		out = append(out, direct(m.Person, text))
	}
	return out
}

// direct addresses a direct message to a person.
func direct(person, text string) qunsu.Message {
	return qunsu.Message{Chat: qunsu.Chat{Kind: qunsu.ChatDirect, Person: person}, Text: text}
}

// managers addresses the tenant's managers' chat.
func managers(text string) qunsu.Message {
	return qunsu.Message{Chat: qunsu.Chat{Kind: qunsu.ChatManagers}, Text: text}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
