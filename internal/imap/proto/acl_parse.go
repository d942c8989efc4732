package proto

// ACL commands of RFC 4314 §3: SETACL, DELETEACL, GETACL, LISTRIGHTS and
// MYRIGHTS. Identifiers and rights are astrings; their meaning (user names,
// "anyone", a leading "-" for negative rights, the right letters) is the
// server's business.

// ACLCommand is the arguments of one ACL command. Identifier is empty for
// GETACL and MYRIGHTS; Rights is set for SETACL only, as sent (with its
// optional "+" or "-" prefix).
type ACLCommand struct {
	Mailbox    string
	Identifier string
	Rights     string
}

// readACL reads the arguments of the ACL command name (RFC 4314 §3, §8:
// setacl = "SETACL" SP mailbox SP identifier SP mod-rights, and so on).
func (p *Parser) readACL(name string) (*ACLCommand, error) {
	if err := p.sp(name); err != nil {
		return nil, err
	}
	mbox, err := p.mailbox()
	if err != nil {
		return nil, err
	}
	a := &ACLCommand{Mailbox: mbox}
	if name == "GETACL" || name == "MYRIGHTS" {
		return a, p.end(name)
	}
	if err := p.sp("mailbox name"); err != nil {
		return nil, err
	}
	if a.Identifier, err = p.d.AString(); err != nil {
		return nil, invalid(err, "Invalid identifier")
	}
	if name == "SETACL" {
		if err := p.sp("identifier"); err != nil {
			return nil, err
		}
		if a.Rights, err = p.d.AString(); err != nil {
			return nil, invalid(err, "Invalid rights")
		}
	}
	return a, p.end(name)
}
