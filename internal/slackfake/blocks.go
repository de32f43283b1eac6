package slackfake

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Block Kit checks with Slack's documented limits, so a bot whose blocks Slack
// would refuse fails here too. Lengths count Unicode code points, as Slack does.

var (
	messageBlockTypes = []string{"header", "section", "divider", "context", "actions", "input", "rich_text", "image"}
	// Modals: input, section, header, divider, context and actions, plus image and
	// rich_text, which Slack accepts in modals as well.
	modalBlockTypes = []string{"input", "section", "header", "divider", "context", "actions", "image", "rich_text"}
	elementTypes    = []string{
		"button", "checkboxes", "datepicker", "datetimepicker", "email_text_input", "image",
		"multi_static_select", "multi_external_select", "multi_users_select", "multi_conversations_select",
		"multi_channels_select", "number_input", "overflow", "plain_text_input", "radio_buttons",
		"rich_text_input", "static_select", "external_select", "users_select", "conversations_select",
		"channels_select", "timepicker", "url_text_input", "file_input", "workflow_button",
	}
)

type checker struct {
	msgs      []string
	actionIDs map[string]bool
	blockIDs  map[string]bool
	// perBlock scopes action_id uniqueness to a block: modals commonly reuse an
	// action_id across input blocks, which Slack accepts, while a message must
	// not repeat one anywhere.
	perBlock bool
}

func newChecker() *checker {
	return &checker{actionIDs: map[string]bool{}, blockIDs: map[string]bool{}}
}

// errf records a problem the way Slack words them: "<what> [json-pointer:<where>]".
func (c *checker) errf(ptr, format string, args ...any) {
	c.msgs = append(c.msgs, fmt.Sprintf(format, args...)+" [json-pointer:"+ptr+"]")
}

// validateBlocks checks a message's blocks argument; format reports that it is
// not a JSON array of objects at all (Slack's invalid_blocks_format).
func validateBlocks(raw string) (msgs []string, format bool) {
	var list []any
	if err := json.Unmarshal([]byte(raw), &list); err != nil {
		return nil, true
	}
	c := newChecker()
	if len(list) > 50 {
		c.errf("/blocks", "no more than 50 items allowed")
	}
	c.blocks("/blocks", list, messageBlockTypes)
	return c.msgs, false
}

// validateView checks a views.open view.
func validateView(raw string) []string {
	c := newChecker()
	c.perBlock = true
	var v map[string]any
	if err := json.Unmarshal([]byte(raw), &v); err != nil || v == nil {
		c.errf("/view", "must be an object")
		return c.msgs
	}
	if t, _ := v["type"].(string); t != "modal" {
		c.errf("/view/type", "must be \"modal\"")
	}
	c.text("/view/title", v["title"], true, 24, true)
	c.text("/view/submit", v["submit"], true, 24, false)
	c.text("/view/close", v["close"], true, 24, false)
	c.maxString("/view/private_metadata", v["private_metadata"], 3000)
	c.maxString("/view/callback_id", v["callback_id"], 255)
	c.maxString("/view/external_id", v["external_id"], 255)
	list, ok := v["blocks"].([]any)
	if !ok {
		c.errf("/view/blocks", "missing required field: blocks")
		return c.msgs
	}
	if len(list) > 100 {
		c.errf("/view/blocks", "no more than 100 items allowed")
	}
	c.blocks("/view/blocks", list, modalBlockTypes)
	hasInput := slices.ContainsFunc(list, func(b any) bool {
		m, _ := b.(map[string]any)
		return m["type"] == "input"
	})
	if hasInput && v["submit"] == nil {
		c.errf("/view", "must provide submit when the view has input blocks")
	}
	return c.msgs
}

func (c *checker) blocks(ptr string, list []any, allowed []string) {
	for i, b := range list {
		p := ptr + "/" + strconv.Itoa(i)
		m, ok := b.(map[string]any)
		if !ok {
			c.errf(p, "must be an object")
			continue
		}
		if c.perBlock {
			c.actionIDs = map[string]bool{}
		}
		c.block(p, m, allowed)
	}
}

func (c *checker) block(ptr string, b map[string]any, allowed []string) {
	typ, _ := b["type"].(string)
	if typ == "" {
		c.errf(ptr, "missing required field: type")
		return
	}
	if !slices.Contains(allowed, typ) {
		c.errf(ptr+"/type", "unsupported type: %s", typ)
		return
	}
	if id, ok := b["block_id"]; ok {
		s, isStr := id.(string)
		switch {
		case !isStr:
			c.errf(ptr+"/block_id", "must be a string")
		case utf8.RuneCountInString(s) > 255:
			c.errf(ptr+"/block_id", "must be less than 256 characters")
		case c.blockIDs[s]:
			c.errf(ptr+"/block_id", "duplicate block_id: %s", s)
		default:
			c.blockIDs[s] = true
		}
	}
	switch typ {
	case "header":
		c.text(ptr+"/text", b["text"], true, 150, true)
	case "section":
		fields, hasFields := b["fields"]
		if b["text"] == nil && !hasFields {
			c.errf(ptr, "must provide either text or fields")
		}
		c.text(ptr+"/text", b["text"], false, 3000, false)
		if hasFields {
			list, ok := fields.([]any)
			switch {
			case !ok:
				c.errf(ptr+"/fields", "must be an array")
			case len(list) > 10:
				c.errf(ptr+"/fields", "no more than 10 items allowed")
			}
			for i, f := range list {
				c.text(ptr+"/fields/"+strconv.Itoa(i), f, false, 2000, true)
			}
		}
		if a, ok := b["accessory"]; ok {
			c.element(ptr+"/accessory", a)
		}
	case "divider":
	case "context":
		list := c.array(ptr+"/elements", b["elements"], 10)
		for i, e := range list {
			p := ptr + "/elements/" + strconv.Itoa(i)
			m, _ := e.(map[string]any)
			if m != nil && m["type"] == "image" {
				c.image(p, m)
				continue
			}
			c.text(p, e, false, 3000, true)
		}
	case "actions":
		for i, e := range c.array(ptr+"/elements", b["elements"], 25) {
			c.element(ptr+"/elements/"+strconv.Itoa(i), e)
		}
	case "input":
		c.text(ptr+"/label", b["label"], true, 2000, true)
		c.text(ptr+"/hint", b["hint"], true, 2000, false)
		if e, ok := b["element"]; ok {
			c.element(ptr+"/element", e)
		} else {
			c.errf(ptr, "missing required field: element")
		}
	case "rich_text":
		c.array(ptr+"/elements", b["elements"], 0)
	case "image":
		c.image(ptr, b)
		c.text(ptr+"/title", b["title"], true, 2000, false)
	}
}

// array checks a required, non-empty array of at most max items (0 = no limit).
func (c *checker) array(ptr string, v any, max int) []any {
	if v == nil {
		c.errf(ptr, "missing required field: %s", last(ptr))
		return nil
	}
	list, ok := v.([]any)
	switch {
	case !ok:
		c.errf(ptr, "must be an array")
	case len(list) == 0:
		c.errf(ptr, "must provide at least 1 items")
	case max > 0 && len(list) > max:
		c.errf(ptr, "no more than %d items allowed", max)
	}
	return list
}

func (c *checker) image(ptr string, m map[string]any) {
	if m["image_url"] == nil && m["slack_file"] == nil {
		c.errf(ptr, "missing required field: image_url")
	}
	c.maxString(ptr+"/image_url", m["image_url"], 3000)
	if m["alt_text"] == nil {
		c.errf(ptr, "missing required field: alt_text")
	}
	c.maxString(ptr+"/alt_text", m["alt_text"], 2000)
}

func (c *checker) element(ptr string, v any) {
	e, ok := v.(map[string]any)
	if !ok {
		c.errf(ptr, "must be an object")
		return
	}
	typ, _ := e["type"].(string)
	if !slices.Contains(elementTypes, typ) {
		c.errf(ptr+"/type", "unsupported type: %s", typ)
		return
	}
	if id, ok := e["action_id"]; ok {
		s, _ := id.(string)
		switch {
		case utf8.RuneCountInString(s) > 255:
			c.errf(ptr+"/action_id", "must be less than 256 characters")
		case c.actionIDs[s]:
			// Unique within the whole message; within the block in a modal (see perBlock).
			c.errf(ptr+"/action_id", "duplicate action_id: %s", s)
		default:
			c.actionIDs[s] = true
		}
	}
	if cf, ok := e["confirm"]; ok {
		c.confirm(ptr+"/confirm", cf)
	}
	c.text(ptr+"/placeholder", e["placeholder"], true, 150, false)
	switch typ {
	case "button":
		c.text(ptr+"/text", e["text"], true, 75, true)
		c.maxString(ptr+"/value", e["value"], 2000)
		c.maxString(ptr+"/url", e["url"], 3000)
		if st, ok := e["style"]; ok && st != "primary" && st != "danger" {
			c.errf(ptr+"/style", "must be one of primary, danger")
		}
	case "static_select", "multi_static_select":
		opts, hasOpts := e["options"]
		groups, hasGroups := e["option_groups"]
		switch {
		case hasOpts == hasGroups:
			c.errf(ptr, "must provide exactly one of options or option_groups")
		case hasOpts:
			c.options(ptr+"/options", opts, 100, true)
		default:
			for i, g := range c.array(ptr+"/option_groups", groups, 100) {
				gp := ptr + "/option_groups/" + strconv.Itoa(i)
				gm, _ := g.(map[string]any)
				c.text(gp+"/label", gm["label"], true, 75, true)
				c.options(gp+"/options", gm["options"], 100, true)
			}
		}
	case "overflow":
		c.options(ptr+"/options", e["options"], 5, true)
	case "radio_buttons", "checkboxes":
		c.options(ptr+"/options", e["options"], 10, false)
	case "plain_text_input":
		if n, ok := e["max_length"].(float64); ok && n > 3000 {
			c.errf(ptr+"/max_length", "must be at most 3000")
		}
	case "image":
		c.image(ptr, e)
	}
}

func (c *checker) options(ptr string, v any, max int, plainOnly bool) {
	for i, o := range c.array(ptr, v, max) {
		p := ptr + "/" + strconv.Itoa(i)
		m, ok := o.(map[string]any)
		if !ok {
			c.errf(p, "must be an object")
			continue
		}
		c.text(p+"/text", m["text"], plainOnly, 75, true)
		if m["value"] == nil {
			c.errf(p, "missing required field: value")
		}
		c.maxString(p+"/value", m["value"], 150)
		c.text(p+"/description", m["description"], plainOnly, 75, false)
	}
}

func (c *checker) confirm(ptr string, v any) {
	m, ok := v.(map[string]any)
	if !ok {
		c.errf(ptr, "must be an object")
		return
	}
	c.text(ptr+"/title", m["title"], true, 100, true)
	c.text(ptr+"/text", m["text"], false, 300, true)
	c.text(ptr+"/confirm", m["confirm"], true, 30, true)
	c.text(ptr+"/deny", m["deny"], true, 30, true)
}

// text checks a text object: {"type":"plain_text"|"mrkdwn","text":"…"} of 1..max characters.
func (c *checker) text(ptr string, v any, plainOnly bool, max int, required bool) {
	if v == nil {
		if required {
			c.errf(parent(ptr), "missing required field: %s", last(ptr))
		}
		return
	}
	m, ok := v.(map[string]any)
	if !ok {
		c.errf(ptr, "must be an object")
		return
	}
	switch t, _ := m["type"].(string); {
	case t == "plain_text":
	case t == "mrkdwn" && !plainOnly:
	case plainOnly:
		c.errf(ptr+"/type", "must be plain_text")
	default:
		c.errf(ptr+"/type", "must be one of plain_text, mrkdwn")
	}
	s, ok := m["text"].(string)
	n := utf8.RuneCountInString(s)
	switch {
	case !ok:
		c.errf(ptr, "missing required field: text")
	case n == 0:
		c.errf(ptr+"/text", "must be more than 0 characters")
	case n > max:
		c.errf(ptr+"/text", "must be less than %d characters", max+1)
	}
}

func (c *checker) maxString(ptr string, v any, max int) {
	if v == nil {
		return
	}
	s, ok := v.(string)
	if !ok {
		c.errf(ptr, "must be a string")
		return
	}
	if utf8.RuneCountInString(s) > max {
		c.errf(ptr, "must be less than %d characters", max+1)
	}
}

func last(ptr string) string {
	for i := len(ptr) - 1; i >= 0; i-- {
		if ptr[i] == '/' {
			return ptr[i+1:]
		}
	}
	return ptr
}

func parent(ptr string) string {
	for i := len(ptr) - 1; i >= 0; i-- {
		if ptr[i] == '/' {
			return ptr[:i]
		}
	}
	return ptr
}
