package main

// APPEND in its three speeds: one message per round trip, many pipelined
// with non-synchronizing literals (RFC 7888 LITERAL+), and MULTIAPPEND
// (RFC 3502), several messages in one command.

import (
	"bytes"
	"fmt"
	"strconv"
)

// Append stores one message, using a non-synchronizing literal when the
// server has LITERAL+ and waiting for the continuation otherwise.
func (c *Client) Append(mailbox, flags string, msg []byte) error {
	tag := c.nextTag()
	command := "APPEND " + quote(mailbox) + " (" + flags + ") "
	c.setDeadline()
	c.w.WriteString(tag + " " + command)
	if c.Has("LITERAL+") {
		c.w.WriteString("{" + strconv.Itoa(len(msg)) + "+}\r\n")
	} else {
		c.w.WriteString("{" + strconv.Itoa(len(msg)) + "}\r\n")
		if err := c.w.Flush(); err != nil {
			return err
		}
		if err := c.waitContinuation(tag, command); err != nil {
			return err
		}
	}
	c.w.Write(msg)
	c.w.WriteString("\r\n")
	if err := c.w.Flush(); err != nil {
		return err
	}
	return c.readUntilTagged(tag, command, nil)
}

// waitContinuation reads until "+ ..." (skipping untagged data); a tagged
// answer instead means the server refused the literal.
func (c *Client) waitContinuation(tag, command string) error {
	for {
		line, err := c.readLine()
		if err != nil {
			return err
		}
		if bytes.HasPrefix(line, []byte("+")) {
			return nil
		}
		if _, ok := cutTag(line, tag); ok {
			return &StatusError{Command: verb(command), Line: string(line)}
		}
	}
}

// AppendPipelined stores msgs with up to window APPEND commands in flight.
// It needs LITERAL+; without it, it falls back to one Append at a time.
func (c *Client) AppendPipelined(mailbox, flags string, msgs [][]byte, window int) error {
	if !c.Has("LITERAL+") {
		for _, m := range msgs {
			if err := c.Append(mailbox, flags, m); err != nil {
				return err
			}
		}
		return nil
	}
	if window < 1 {
		window = 1
	}
	prefix := " APPEND " + quote(mailbox) + " (" + flags + ") {"
	var pending []string
	for sent := 0; sent < len(msgs) || len(pending) > 0; {
		for sent < len(msgs) && len(pending) < window {
			tag := c.nextTag()
			c.w.WriteString(tag + prefix + strconv.Itoa(len(msgs[sent])) + "+}\r\n")
			c.w.Write(msgs[sent])
			c.w.WriteString("\r\n")
			pending = append(pending, tag)
			sent++
		}
		c.setDeadline()
		if err := c.w.Flush(); err != nil {
			return err
		}
		if err := c.readUntilTagged(pending[0], "APPEND", nil); err != nil {
			return err
		}
		pending = pending[1:]
	}
	return nil
}

// MultiAppend stores all msgs with one APPEND command (RFC 3502); the
// server must advertise MULTIAPPEND and LITERAL+.
func (c *Client) MultiAppend(mailbox, flags string, msgs [][]byte) error {
	if !c.Has("MULTIAPPEND") || !c.Has("LITERAL+") {
		return fmt.Errorf("server lacks MULTIAPPEND or LITERAL+")
	}
	tag := c.nextTag()
	c.setDeadline()
	c.w.WriteString(tag + " APPEND " + quote(mailbox))
	for _, m := range msgs {
		c.w.WriteString(" (" + flags + ") {" + strconv.Itoa(len(m)) + "+}\r\n")
		c.w.Write(m)
	}
	c.w.WriteString("\r\n")
	if err := c.w.Flush(); err != nil {
		return err
	}
	return c.readUntilTagged(tag, "APPEND", nil)
}

// FillMailbox appends msgs as fast as the server allows: MULTIAPPEND
// batches when advertised, else pipelined LITERAL+ APPENDs, else plain.
// It returns the method used.
func (c *Client) FillMailbox(mailbox string, msgs [][]byte, batch int) (string, error) {
	switch {
	case c.Has("MULTIAPPEND") && c.Has("LITERAL+"):
		for i := 0; i < len(msgs); i += batch {
			if err := c.MultiAppend(mailbox, "", msgs[i:min(i+batch, len(msgs))]); err != nil {
				return "MULTIAPPEND", err
			}
		}
		return "MULTIAPPEND", nil
	case c.Has("LITERAL+"):
		return "LITERAL+ pipelined", c.AppendPipelined(mailbox, "", msgs, 64)
	default:
		return "APPEND", c.AppendPipelined(mailbox, "", msgs, 1)
	}
}
