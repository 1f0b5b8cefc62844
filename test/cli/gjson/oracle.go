// The reference GJSON (github.com/tidwall/gjson, Debian's golang-github-tidwall-gjson-dev) run
// over the conformance corpus: for each "DOC<TAB>PATH" line of the paths file, one line
// "DOC<TAB>PATH<TAB>found<TAB>VALUE" with found 1 or 0 and VALUE the result's JSON on one line.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tidwall/gjson"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: oracle DOCS_DIR PATHS_FILE")
		os.Exit(2)
	}
	paths, err := os.Open(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	lines := bufio.NewScanner(paths)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for lines.Scan() {
		line := lines.Text()
		if line == "" || strings.HasPrefix(line, "//") {
			continue
		}
		doc, path, ok := strings.Cut(line, "\t")
		if !ok {
			fmt.Fprintln(os.Stderr, "no tab in:", line)
			os.Exit(1)
		}
		text, err := os.ReadFile(filepath.Join(os.Args[1], doc+".json"))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		r := gjson.GetBytes(text, path)
		found, value := 0, ""
		if r.Exists() {
			var compact bytes.Buffer
			if err := json.Compact(&compact, []byte(r.Raw)); err != nil {
				value = r.Raw // not JSON: reported as a mismatch by the comparer
			} else {
				value = compact.String()
			}
			found = 1
		}
		fmt.Fprintf(out, "%s\t%s\t%d\t%s\n", doc, path, found, value)
	}
}
