package polyv

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// outcomeKeys lists, for one kind of JSON object in Polyv's answers, the
// keys that carry the outcome. encoding/json lets the last of two keys that
// match one field win, so a repeat of one of these would let the end of an
// answer overrule its beginning: such an answer is unreadable.
type outcomeKeys struct {
	fields []string                // as the decoder's struct tags spell them; at most maxOutcomeKeys
	nested map[string]*outcomeKeys // the object under one of fields, checked in turn
}

const maxOutcomeKeys = 6

var (
	envelopeKeys = &outcomeKeys{
		fields: []string{"code", "status", "message", "data", "success", "error"},
		nested: map[string]*outcomeKeys{"error": {fields: []string{"code", "desc"}}},
	}
	rowKeys = &outcomeKeys{fields: []string{"channelId", "liveStatus"}}

	// The data objects of the other calls: the keys whose values the
	// client keeps.
	infoKeys   = &outcomeKeys{fields: []string{"channelId", "name", "publisher"}}
	streamKeys = &outcomeKeys{fields: []string{"streamType"}}
	viewerKeys = &outcomeKeys{fields: []string{"channelId", "count"}}
	userKeys   = &outcomeKeys{fields: []string{"userId"}}
)

// repeated describes the first of k's fields that the JSON object raw gives
// twice, such as `"error.desc" given twice` or `"code" given twice (as
// "Code" and "code")`, or returns "" when there is none or raw is not an
// object. Keys match fields as encoding/json matches them: escapes undone,
// in any letter case, Unicode folding included ("ſtatus" is "status").
// raw must be JSON that json.Unmarshal accepted: the walk relies on that
// and only finds where keys and values begin and end.
func (k *outcomeKeys) repeated(raw []byte) string {
	w := walker{b: raw}
	return k.object(&w)
}

// repeatedInRows is rowKeys.inRows: the rows of live-status.
func repeatedInRows(data []byte) string { return rowKeys.inRows(data) }

// inRows is repeated for every object in the JSON array data, naming the
// row: `"data[1].liveStatus" given twice`.
func (k *outcomeKeys) inRows(data []byte) string {
	w := walker{b: data}
	if w.next() != '[' {
		return ""
	}
	w.i++
	for row := 0; w.next() != ']' && w.next() != 0; row++ {
		if r := k.object(&w); r != "" {
			return fmt.Sprintf(`"data[%d].%s`, row, r[1:])
		}
		if w.next() == ',' {
			w.i++
		}
	}
	return ""
}

// object reads the value at w and, when it is an object, checks its keys.
func (k *outcomeKeys) object(w *walker) string {
	if w.next() != '{' {
		w.skip()
		return ""
	}
	w.i++
	var seen [maxOutcomeKeys][]byte // each field's key as first written
	for w.next() == '"' {
		key := w.key()
		if w.next() == ':' {
			w.i++
		}
		i := k.field(key)
		switch {
		case i < 0:
			w.skip()
		case seen[i] != nil:
			return describeRepeat(k.fields[i], string(seen[i]), string(key))
		case k.nested[k.fields[i]] != nil:
			seen[i] = key
			if r := k.nested[k.fields[i]].object(w); r != "" {
				return `"` + k.fields[i] + "." + r[1:]
			}
		default:
			seen[i] = key
			w.skip()
		}
		if w.next() == ',' {
			w.i++
		}
	}
	w.skip() // the closing brace, or whatever stands there
	return ""
}

// field returns the index of the field key names, or -1.
func (k *outcomeKeys) field(key []byte) int {
	for i, f := range k.fields {
		if bytes.EqualFold(key, []byte(f)) {
			return i
		}
	}
	return -1
}

// describeRepeat says that field was given twice, with both spellings when
// they differ. The keys fold to an ASCII field name, so they are short and
// printable.
func describeRepeat(field, first, second string) string {
	if first == second {
		return fmt.Sprintf("%q given twice", field)
	}
	return fmt.Sprintf("%q given twice (as %q and %q)", field, first, second)
}

// inData names a key repeated in the data object: `"data.name" given
// twice`.
func inData(which string) string { return `"data.` + which[1:] }

// repeatedKeyError is the error for an answer that gives an outcome key
// twice.
func repeatedKeyError(op string, httpStatus int, which string, body []byte, redact func(string) string) *APIError {
	return &APIError{
		HTTPStatus: httpStatus, Op: op, kind: ErrBadResponse.(*kind),
		Message: "key " + which + ", so what it says is unknown: " + excerpt(op, string(body), redact),
	}
}

// walker finds where the keys and values of valid JSON begin and end,
// without building anything: a repeat check must cost little next to the
// decoding it guards. It never reads past the end of b, whatever b holds.
type walker struct {
	b []byte
	i int
}

// next skips white space and returns the byte there, 0 at the end.
func (w *walker) next() byte {
	for w.i < len(w.b) {
		switch c := w.b[w.i]; c {
		case ' ', '\t', '\n', '\r':
			w.i++
		default:
			return c
		}
	}
	return 0
}

// key reads the string at w as encoding/json would decode it. Only a key
// with an escape costs an allocation.
func (w *walker) key() []byte {
	start := w.i
	raw := w.str()
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw
	}
	var s string
	if json.Unmarshal(w.b[start:w.i], &s) != nil {
		return raw
	}
	return []byte(s)
}

// str passes over the string at w and returns what stands between its
// quotes, escapes and all.
func (w *walker) str() []byte {
	start := w.i + 1
	for j := start; j < len(w.b); j++ {
		switch w.b[j] {
		case '\\':
			j++
		case '"':
			w.i = j + 1
			return w.b[start:j]
		}
	}
	w.i = len(w.b)
	return w.b[min(start, len(w.b)):]
}

// skip passes over the value at w: a string, an object or array with all it
// holds, or a number or literal. Short of the end, it always moves on.
func (w *walker) skip() {
	switch w.next() {
	case 0:
		return
	case '"':
		w.str()
		return
	case '{', '[', '}', ']':
		w.nest()
		return
	}
	start := w.i
	for w.i < len(w.b) && bytes.IndexByte([]byte(",:}] \t\n\r"), w.b[w.i]) < 0 {
		w.i++
	}
	if w.i == start {
		w.i++ // a stray ',' or ':': every skip moves on
	}
}

// nest passes over brackets until the depth they open is closed again. A
// stray closing bracket is passed over on its own.
func (w *walker) nest() {
	depth := 0
	for w.i < len(w.b) {
		switch w.b[w.i] {
		case '"':
			w.str()
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		}
		w.i++
		if depth <= 0 {
			return
		}
	}
}
