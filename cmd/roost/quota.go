package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"roost/internal/store"
	"roost/internal/store/sqlite"
)

// `roost user quota` and `roost user admin`: quotas (RFC 9208) and the
// administrator flag (who may SETQUOTA over IMAP and set shared server
// metadata).

const quotaDescription = `Shows the quota usage and limits of the account NAME, or of the team
mailboxes with --shared, and changes the limits when --storage or
--messages is given. STORAGE is the sum of the sizes of all messages (each
copy counts); SIZE takes a unit: 500K, 300M, 2G, 1T (powers of 1024), or
plain bytes. "none" removes a limit. Lowering a limit below the usage is
allowed: new mail is refused until enough is expunged.`

func runUserQuota(e *env, args []string) error {
	fs := newFlagSet(e, "user quota", "user quota (NAME | --shared) [--storage SIZE|none] [--messages N|none] [--data DIR] [--config FILE]", quotaDescription)
	sf := addStoreFlags(fs)
	storage := fs.String("storage", "", "STORAGE limit: `SIZE` or none")
	messages := fs.String("messages", "", "MESSAGE limit: `N` or none")
	shared := fs.Bool("shared", false, "the account of the team mailboxes (Shared/...) instead of a user")
	positional, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if *shared != (len(positional) == 0) || len(positional) > 1 {
		return usagef("give either one user NAME or --shared")
	}
	b, err := openForTool(e, sf)
	if err != nil {
		return err
	}
	defer b.Close()
	ctx := context.Background()
	name, userID, err := quotaAccount(ctx, b, *shared, positional)
	if err != nil {
		return err
	}
	q, err := b.Quota(ctx, userID)
	if err != nil {
		return err
	}
	if *storage != "" || *messages != "" {
		limits := q.Limits
		if *storage != "" {
			if limits.StorageKiB, err = parseStorageKiB(*storage); err != nil {
				return usagef("--storage: %v", err)
			}
		}
		if *messages != "" {
			if limits.Messages, err = parseLimit(*messages); err != nil {
				return usagef("--messages: %v", err)
			}
		}
		if err := b.SetQuota(ctx, userID, limits); err != nil {
			return err
		}
		if q, err = b.Quota(ctx, userID); err != nil {
			return err
		}
	}
	storageLimit, messageLimit := "unlimited", "unlimited"
	if q.Limits.StorageKiB != store.NoLimit {
		storageLimit = formatKiB(q.Limits.StorageKiB)
	}
	if q.Limits.Messages != store.NoLimit {
		messageLimit = strconv.FormatInt(q.Limits.Messages, 10)
	}
	_, err = fmt.Fprintf(e.stdout, "account %s\nstorage %s of %s\nmessages %d of %s\n",
		name, formatKiB(q.StorageKiB()), storageLimit, q.Messages, messageLimit)
	return err
}

func runUserAdmin(e *env, args []string) error {
	fs := newFlagSet(e, "user admin", "user admin NAME [on|off] [--data DIR] [--config FILE]",
		"Shows whether NAME is an administrator, or makes it one (on) or not (off). Administrators may\nchange quotas with IMAP SETQUOTA and set shared server metadata with SETMETADATA.")
	sf := addStoreFlags(fs)
	positional, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(positional) < 1 || len(positional) > 2 {
		return usagef("want NAME and optionally on or off")
	}
	b, err := openForTool(e, sf)
	if err != nil {
		return err
	}
	defer b.Close()
	ctx := context.Background()
	_, userID, err := quotaAccount(ctx, b, false, positional[:1])
	if err != nil {
		return err
	}
	if len(positional) == 2 {
		switch positional[1] {
		case "on", "off":
			if err := b.SetAdmin(ctx, userID, positional[1] == "on"); err != nil {
				return err
			}
		default:
			return usagef("want on or off, not %q", positional[1])
		}
	}
	admin, err := b.Admin(ctx, userID)
	if err != nil {
		return err
	}
	state := "not an administrator"
	if admin {
		state = "administrator"
	}
	_, err = fmt.Fprintf(e.stdout, "%s: %s\n", positional[0], state)
	return err
}

// quotaAccount finds the account a quota command is about.
func quotaAccount(ctx context.Context, b *sqlite.Store, shared bool, positional []string) (string, int64, error) {
	if shared {
		u, err := b.SharedAccount(ctx, false)
		if errors.Is(err, store.ErrNoSharedAccount) {
			return "", 0, fmt.Errorf("there are no team mailboxes yet (roost mailbox share create)")
		}
		if err != nil {
			return "", 0, err
		}
		return "Shared", u.ID, nil
	}
	u, err := b.User(ctx, positional[0])
	if errors.Is(err, store.ErrNoUser) {
		return "", 0, fmt.Errorf("no user %q", positional[0])
	}
	if err != nil {
		return "", 0, err
	}
	return u.Name, u.ID, nil
}

// maxLimit matches the server's SETQUOTA ceiling.
const maxLimit = 1 << 40

// parseLimit reads a count or "none".
func parseLimit(s string) (int64, error) {
	if strings.EqualFold(s, "none") {
		return store.NoLimit, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > maxLimit {
		return 0, fmt.Errorf("%q is not a number from 0 to %d or none", s, int64(maxLimit))
	}
	return n, nil
}

// parseStorageKiB reads a size with an optional K, M, G or T unit (powers
// of 1024, optional trailing "B" or "iB"), or "none", and returns it in
// KiB, rounded up.
func parseStorageKiB(s string) (int64, error) {
	if strings.EqualFold(s, "none") {
		return store.NoLimit, nil
	}
	num := strings.TrimSuffix(strings.TrimSuffix(strings.ToUpper(s), "B"), "I")
	shift := 0
	if n := len(num); n > 0 {
		if i := strings.IndexByte("KMGT", num[n-1]); i >= 0 {
			shift = 10 * (i + 1)
			num = num[:n-1]
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > maxLimit<<10>>shift {
		return 0, fmt.Errorf("%q is not a size such as 500M, 2G or none", s)
	}
	return (n<<shift + 1023) / 1024, nil
}

// formatKiB shows a KiB amount with a readable unit.
func formatKiB(kib int64) string {
	units := []string{"KiB", "MiB", "GiB", "TiB"}
	v, u := float64(kib), 0
	for v >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	if u == 0 {
		return fmt.Sprintf("%d KiB", kib)
	}
	return fmt.Sprintf("%.1f %s (%d KiB)", v, units[u], kib)
}
