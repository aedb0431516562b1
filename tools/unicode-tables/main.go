// Command unicode-tables prints src/go/unicode-tables.ts: the Unicode data of Go's own packages
// that the TypeScript ports need, so that they answer as Go does whatever Unicode version the
// running Node.js ships. Run from the repository root:
//
//	go run tools/unicode-tables/main.go > src/go/unicode-tables.ts
//
// test/go/unicode.test.ts runs it and compares its output with the committed file, and with
// -answers (Go's answer for every code point, to check how the TypeScript side reads the tables).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strconv"
	"unicode"
)

// ranges gives the [first, last] runs of the code points above ASCII for which in holds.
func ranges(in func(rune) bool) []rune {
	var out []rune
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		if !in(r) {
			continue
		}
		if n := len(out); n > 0 && out[n-1] == r-1 {
			out[n-1] = r
		} else {
			out = append(out, r, r)
		}
	}
	return out
}

// mapping gives [first, last, stride, delta] quads: every code point from first to last, stepping
// by stride (1, or 2 where upper and lower case alternate), maps to itself plus delta; every other
// code point maps to itself.
func mapping(to func(rune) rune) []rune {
	var out []rune
	for r := rune(0); r <= unicode.MaxRune; r++ {
		d := to(r) - r
		if d == 0 {
			continue
		}
		if n := len(out); n > 0 && out[n-1] == d {
			first, last, stride := out[n-4], out[n-3], out[n-2]
			// A run of one takes the step to its second code point as its stride.
			if first == last && (r-last == 1 || r-last == 2) {
				out[n-3], out[n-2] = r, r-last
				continue
			}
			if first != last && r-last == stride {
				out[n-3] = r
				continue
			}
		}
		out = append(out, r, r, 1, d)
	}
	return out
}

func main() {
	answers := flag.Bool("answers", false, "print, instead of the tables, one digit per code point (1 printable + 2 letter + 4 digit), then a line \"code lower upper\" (hex) per code point that either mapping changes")
	flag.Parse()
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	if *answers {
		for r := rune(0); r <= unicode.MaxRune; r++ {
			bits := 0
			if strconv.IsPrint(r) {
				bits |= 1
			}
			if unicode.IsLetter(r) {
				bits |= 2
			}
			if unicode.IsDigit(r) {
				bits |= 4
			}
			w.WriteByte(byte('0' + bits))
		}
		w.WriteByte('\n')
		for r := rune(0); r <= unicode.MaxRune; r++ {
			if lo, up := unicode.ToLower(r), unicode.ToUpper(r); lo != r || up != r {
				fmt.Fprintf(w, "%x %x %x\n", r, lo, up)
			}
		}
		return
	}
	fmt.Fprintf(w, "/**\n * Go's Unicode data (Unicode %s, Go's unicode.Version), printed by tools/unicode-tables/main.go.\n", unicode.Version)
	fmt.Fprint(w, " * Generated: do not edit. test/go/unicode.test.ts runs the program and compares.\n */\n\n")
	fmt.Fprintf(w, "export const UNICODE_VERSION = '%s';\n", unicode.Version)
	table(w, "strconv.IsPrint (unicode.IsPrint) above U+007F: [first, last] pairs, ascending.", "PRINT", ranges(strconv.IsPrint))
	table(w, "unicode.IsLetter above U+007F: [first, last] pairs, ascending.", "LETTER", ranges(unicode.IsLetter))
	table(w, "unicode.IsDigit above U+007F: [first, last] pairs, ascending.", "DIGIT", ranges(unicode.IsDigit))
	table(w, "unicode.ToLower: [first, last, stride, delta] quads, ascending (see lookupMapping).", "TO_LOWER", mapping(unicode.ToLower))
	table(w, "unicode.ToUpper: [first, last, stride, delta] quads, ascending (see lookupMapping).", "TO_UPPER", mapping(unicode.ToUpper))
}

func table(w *bufio.Writer, doc, name string, xs []rune) {
	fmt.Fprintf(w, "\n/** %s */\nexport const %s: readonly number[] = [\n", doc, name)
	line := ""
	for _, x := range xs {
		s := "0x" + strconv.FormatInt(int64(x), 16) + ","
		if x < 0 {
			s = "-0x" + strconv.FormatInt(-int64(x), 16) + ","
		}
		if len(line)+1+len(s) > 100 {
			fmt.Fprintf(w, "%s\n", line)
			line = ""
		}
		if line == "" {
			line = " "
		}
		line += " " + s
	}
	if line != "" {
		fmt.Fprintf(w, "%s\n", line)
	}
	fmt.Fprint(w, "];\n")
}
