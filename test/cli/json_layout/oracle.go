// The official CLI's JSON layout (github.com/tidwall/pretty, Debian's
// golang-github-tidwall-pretty-dev, which it uses for --format json) run over the corpus: for
// each non-empty line of the corpus file that is not a // comment (one JSON text), two lines:
// the indented text and the coloured indented text, each as a JSON string, without the
// trailing newline pretty adds.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/tidwall/pretty"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: oracle CORPUS")
		os.Exit(2)
	}
	corpus, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	lines := bufio.NewScanner(corpus)
	lines.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for lines.Scan() {
		line := lines.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "//") {
			continue
		}
		indented := pretty.Pretty([]byte(line))
		coloured := pretty.Color(indented, pretty.TerminalStyle)
		for _, text := range [][]byte{indented, coloured} {
			quoted, _ := json.Marshal(strings.TrimSuffix(string(text), "\n"))
			fmt.Fprintln(out, string(quoted))
		}
	}
}
