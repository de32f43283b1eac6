package handlers

import (
	"context"
	"sort"
	"strings"
)

// Command is a command people can type. Each lives in its own file and registers
// itself, so adding one touches nothing else.
type Command struct {
	Words   []string // the words it answers to, Chinese first, then English
	HelpKey string   // its line in help
	Order   int      // its place in help
	Open    bool     // people not in the directory may use it
	Run     func(ctx context.Context, r *Request) error
}

var commands []*Command

func register(c *Command) { commands = append(commands, c) }

// lookup finds the command for a word, ignoring case.
func lookup(word string) *Command {
	w := strings.ToLower(word)
	for _, c := range commands {
		for _, x := range c.Words {
			if x == w {
				return c
			}
		}
	}
	return nil
}

// Commands returns every registered command, in help order.
func Commands() []*Command {
	out := append([]*Command(nil), commands...)
	sort.Slice(out, func(i, j int) bool { return out[i].Order < out[j].Order })
	return out
}

// CommandWords returns every word of the command that answers to word.
func CommandWords(word string) []string {
	if c := lookup(word); c != nil {
		return append([]string(nil), c.Words...)
	}
	return nil
}
