// Text that a partner wrote, made safe to show. One partner's words reach the
// other's terminal and a therapist's browser; neither may be able to move the
// cursor, erase or recolour a line, reorder text with bidirectional controls,
// or (in a report) load anything from anywhere. Every output path goes
// through these functions: the terminal through TerminalFilter, which main()
// puts in front of stdout and stderr; the Markdown report through
// EscapeMarkdown; the HTML report through EscapeHtml; JSON through both the
// JSON encoder's own escaping and the terminal filter.
#ifndef MEND_CLIENT_VIEWS_TEXT_SAFETY_H_
#define MEND_CLIENT_VIEWS_TEXT_SAFETY_H_

#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>

namespace mend::client {

// C0 controls (but newline, when `keep_newlines`) and bytes that are not
// UTF-8 become "\xNN" (a JSON encoder has already escaped C0 inside its
// strings); DEL, C1 controls and the Unicode bidirectional controls
// (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) become "\uXXXX",
// which is also how a JSON string would spell them.
std::string EscapeControls(std::string_view text, bool keep_newlines);

// `text` as one line of a terminal: EscapeControls without newlines. For a
// line of mend's own output that quotes a partner's words.
inline std::string OneLine(std::string_view text) {
  return EscapeControls(text, /*keep_newlines=*/false);
}

// `text` as a block of a terminal: EscapeControls with newlines kept, and
// `indent` before every line, so that no line of a partner's several-line
// text starts where mend's own lines start. Ends with a newline.
std::string IndentedLines(std::string_view text, std::string_view indent);

// `word` quoted for a POSIX shell, so that a command mend suggests with a
// partner's word in it (a prompt id) is safe to paste: `$(...)` stays text.
std::string ShellQuoted(std::string_view word);

// EscapeControls, then every character Markdown or HTML gives a meaning to
// backslash-escaped, so no heading, link, image, raw HTML, table or emphasis
// can come from the text. Newlines stay.
std::string EscapeMarkdown(std::string_view text);

// EscapeControls, then the HTML metacharacters as entities. Newlines stay.
std::string EscapeHtml(std::string_view text);

// A streambuf that passes what is written to `out` through EscapeControls
// (newlines kept), byte by byte, holding back an incomplete UTF-8 sequence.
class TerminalFilter final : public std::streambuf {
 public:
  explicit TerminalFilter(std::streambuf* out) : out_(out) {}
  ~TerminalFilter() override;
  std::streambuf* raw() const { return out_; }

 protected:
  int overflow(int c) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

 private:
  void Put(unsigned char byte);
  void FlushPending();  // an incomplete sequence, shown as bytes
  void Emit(std::string_view s) { out_->sputn(s.data(), static_cast<std::streamsize>(s.size())); }

  std::streambuf* out_;
  std::string pending_;
  size_t expected_ = 0;
};

// Puts a TerminalFilter in front of std::cout and std::cerr for the life of
// this object. `RawStdout()` reaches the unfiltered stdout, for export bytes.
class GuardedTerminal {
 public:
  GuardedTerminal();
  ~GuardedTerminal();
  GuardedTerminal(const GuardedTerminal&) = delete;
  GuardedTerminal& operator=(const GuardedTerminal&) = delete;

 private:
  std::streambuf* cout_raw_;
  std::streambuf* cerr_raw_;
  TerminalFilter cout_filter_;
  TerminalFilter cerr_filter_;
};

// The real stdout, bypassing the filter: only for bytes that are a file
// format of their own (an export to standard output), never for a terminal
// rendering of partner text.
std::streambuf* RawStdout();

}  // namespace mend::client

#endif  // MEND_CLIENT_VIEWS_TEXT_SAFETY_H_
