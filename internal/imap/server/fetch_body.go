package server

import (
	"bytes"
	"errors"
	"io"

	"roost/internal/imap/imapmime"
	"roost/internal/imap/proto"
	"roost/internal/mime"
	"roost/internal/store"
)

// sectionContent is the answer to one BODY[...], BINARY[...] or RFC822*
// item, prepared before the response line starts so that a failure can
// still become a clean NO.
type sectionContent struct {
	r      io.Reader
	size   int64
	nil    bool // the part does not exist: answered NIL
	binary bool // send as literal8 (RFC 3516 §4.2: the data contains NUL)
}

// Answers RFC 3516 §4.3 asks for when BINARY cannot decode a part. The
// texts are Dovecot's.
var (
	errUnknownCTE = errNo("UNKNOWN-CTE", "Unknown Content-Transfer-Encoding.")
	errBadPart    = errNo("PARSE", "Invalid data in MIME part.")
	// errTruncatedPart is Dovecot's answer, word for word, to encoded
	// content that stops in mid-quantum.
	errTruncatedPart = errNo("SERVERBUG", "Internal error occurred. Refer to server log for more information..")
)

// mapSectionError turns an imapmime error into the command's answer.
// Encoded content cut off in mid-quantum is what Dovecot reports as
// SERVERBUG rather than PARSE; the same answer keeps clients' experience
// (and the reference captures) identical.
func mapSectionError(err error) error {
	switch {
	case errors.Is(err, imapmime.ErrTruncatedContent):
		return errTruncatedPart
	case errors.Is(err, imapmime.ErrUnknownCTE):
		return errUnknownCTE
	case errors.Is(err, imapmime.ErrBadContent):
		return errBadPart
	}
	return err
}

// prepareBody opens the content of a BODY[section] or RFC822* item.
func prepareBody(pm *mime.Message, blob store.Blob, sec *proto.Section) (sectionContent, error) {
	var r io.Reader
	var size int64
	var err error
	if wholeMessage(sec) {
		// Loaded without the MIME tree (planFetch): the blob is the
		// message.
		r, size, err = imapmime.WholeMessage(blob)
	} else {
		r, size, err = imapmime.BodySection(pm, blob, sec)
	}
	if errors.Is(err, imapmime.ErrNoPart) {
		return sectionContent{nil: true}, nil
	}
	if err != nil {
		return sectionContent{}, mapSectionError(err)
	}
	r, size, err = applyPartial(r, size, sec)
	if err != nil {
		return sectionContent{}, err
	}
	return sectionContent{r: r, size: size}, nil
}

// prepareBinary opens the transfer-decoded content of BINARY[part]<partial>.
// Like Dovecot, it is sent as a literal8 when anything in it was decoded
// from base64 or quoted-printable, or it holds a NUL (RFC 3516 §4.2 allows
// literal8 whenever the data may contain any octet).
func prepareBinary(pm *mime.Message, blob store.Blob, sec *proto.Section) (sectionContent, error) {
	r, size, literal8, err := imapmime.BinarySectionLiteral8(pm, blob, sec.Part)
	if errors.Is(err, imapmime.ErrNoPart) {
		return sectionContent{nil: true}, nil
	}
	if err != nil {
		return sectionContent{}, mapSectionError(err)
	}
	if r, size, err = applyPartial(r, size, sec); err != nil {
		return sectionContent{}, err
	}
	return sectionContent{r: r, size: size, binary: literal8}, nil
}

// binarySize answers BINARY.SIZE[part]: the decoded size of the whole part
// (partials do not apply, RFC 3516 §4.2).
func binarySize(pm *mime.Message, blob store.Blob, sec *proto.Section) (size int64, missing bool, err error) {
	size, err = imapmime.BinarySize(pm, blob, sec.Part)
	if errors.Is(err, imapmime.ErrNoPart) {
		return 0, true, nil
	}
	if err != nil {
		return 0, false, mapSectionError(err)
	}
	return size, false, nil
}

// applyPartial cuts <offset.count> out of content of the given size. An
// origin beyond the end gives the empty string (RFC 9051 §6.4.5).
func applyPartial(r io.Reader, size int64, sec *proto.Section) (io.Reader, int64, error) {
	if sec.Count < 0 {
		return r, size, nil
	}
	if sec.Offset >= size {
		return bytes.NewReader(nil), 0, nil
	}
	if sec.Offset > 0 {
		if seeker, ok := r.(io.Seeker); ok {
			if _, err := seeker.Seek(sec.Offset, io.SeekCurrent); err != nil {
				return nil, 0, err
			}
		} else if _, err := io.CopyN(io.Discard, r, sec.Offset); err != nil {
			return nil, 0, err
		}
	}
	n := size - sec.Offset
	if sec.Count < n {
		n = sec.Count
	}
	return io.LimitReader(r, n), n, nil
}
