package proto

// Parsing of the QUOTA commands (RFC 9208 §7).

// GetQuota is GETQUOTA quota-root.
type GetQuota struct{ Root string }

// GetQuotaRoot is GETQUOTAROOT mailbox.
type GetQuotaRoot struct{ Mailbox string }

// SetQuota is SETQUOTA quota-root (resource limit ...).
type SetQuota struct {
	Root   string
	Limits []QuotaLimit
}

// QuotaLimit is one setquota-resource.
type QuotaLimit struct {
	Resource string // upper case: STORAGE, MESSAGE, ...
	Limit    uint64 // number64
}

func (p *Parser) readGetQuota() (*GetQuota, error) {
	if err := p.sp("GETQUOTA"); err != nil {
		return nil, err
	}
	root, err := p.d.AString()
	if err != nil {
		return nil, invalid(err, "Invalid quota root")
	}
	return &GetQuota{Root: root}, p.end("GETQUOTA")
}

func (p *Parser) readGetQuotaRoot() (*GetQuotaRoot, error) {
	if err := p.sp("GETQUOTAROOT"); err != nil {
		return nil, err
	}
	mbox, err := p.mailbox()
	if err != nil {
		return nil, err
	}
	return &GetQuotaRoot{Mailbox: mbox}, p.end("GETQUOTAROOT")
}

func (p *Parser) readSetQuota() (*SetQuota, error) {
	if err := p.sp("SETQUOTA"); err != nil {
		return nil, err
	}
	root, err := p.d.AString()
	if err != nil {
		return nil, invalid(err, "Invalid quota root")
	}
	if err := p.sp("quota root"); err != nil {
		return nil, err
	}
	cmd := &SetQuota{Root: root, Limits: []QuotaLimit{}}
	err = p.d.List(func() error {
		name, err := p.keyword("resource name")
		if err != nil {
			return err
		}
		for _, l := range cmd.Limits {
			if l.Resource == name {
				return badf("Resource %s given twice", name)
			}
		}
		if err := p.sp("resource name"); err != nil {
			return err
		}
		n, err := p.d.Number64()
		if err != nil {
			return invalid(err, "Invalid resource limit")
		}
		cmd.Limits = append(cmd.Limits, QuotaLimit{Resource: name, Limit: n})
		return nil
	})
	if err != nil {
		return nil, invalid(err, "Invalid resource limits")
	}
	return cmd, p.end("SETQUOTA")
}
