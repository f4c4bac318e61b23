#include "client/views/text_safety.h"

#include <cstdint>
#include <iostream>
#include <optional>

#include "base/utf8.h"
#include "fmt/format.h"

namespace mend::client {
namespace {

std::streambuf* g_raw_stdout = nullptr;

std::string Bytes(std::string_view s) {
  std::string out;
  for (unsigned char c : s) out += fmt::format("\\x{:02x}", c);
  return out;
}

// Calls `emit` with the safe form of each piece of `text`.
template <typename Emit>
void EscapeInto(std::string_view text, bool keep_newlines, Emit emit) {
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c == 0x7F) {
        emit("\\u007f");  // as JSON would spell it, so that --json output stays JSON
      } else if (c < 0x20 && !(keep_newlines && c == '\n')) {
        emit(fmt::format("\\x{:02x}", c));
      } else {
        emit(std::string_view(text.data() + i, 1));
      }
      ++i;
      continue;
    }
    const size_t len = base::Utf8SequenceLength(c);
    bool whole = len > 0 && i + len <= text.size();
    for (size_t k = 1; whole && k < len; ++k)
      whole = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    const std::string_view seq = whole ? text.substr(i, len) : text.substr(i, 1);
    const std::optional<uint32_t> cp = whole ? base::DecodeUtf8(seq) : std::nullopt;
    if (!cp) {
      emit(Bytes(text.substr(i, 1)));
      ++i;
      continue;
    }
    if (base::IsC1OrBidiControl(*cp)) {
      emit(fmt::format("\\u{:04x}", *cp));
    } else {
      emit(seq);
    }
    i += len;
  }
}

}  // namespace

std::string EscapeControls(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  EscapeInto(text, keep_newlines, [&](std::string_view piece) { out += piece; });
  return out;
}

std::string ShellQuoted(std::string_view word) {
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string IndentedLines(std::string_view text, std::string_view indent) {
  std::string out(indent);
  for (char c : EscapeControls(text, /*keep_newlines=*/true)) {
    out.push_back(c);
    if (c == '\n') out += indent;
  }
  return out + "\n";
}

std::string EscapeMarkdown(std::string_view text) {
  // CommonMark lets any ASCII punctuation be backslash-escaped; these are the
  // ones that start markup (and ':' so that no autolink forms).
  static constexpr std::string_view kMarkup = "\\`*_{}[]()<>#+-.!|~&:\"'=";
  std::string out;
  for (char c : EscapeControls(text, true)) {
    if (kMarkup.find(c) != std::string_view::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string EscapeHtml(std::string_view text) {
  std::string out;
  for (char c : EscapeControls(text, true)) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

TerminalFilter::~TerminalFilter() {
  FlushPending();
  out_->pubsync();
}

void TerminalFilter::FlushPending() {
  if (!pending_.empty()) Emit(Bytes(pending_));
  pending_.clear();
  expected_ = 0;
}

void TerminalFilter::Put(unsigned char byte) {
  if (!pending_.empty()) {
    if ((byte & 0xC0) == 0x80) {
      pending_.push_back(static_cast<char>(byte));
      if (pending_.size() == expected_) {
        EscapeInto(pending_, true, [&](std::string_view piece) { Emit(piece); });
        pending_.clear();
        expected_ = 0;
      }
      return;
    }
    FlushPending();  // broken sequence: show its bytes, then look at this byte afresh
  }
  if (byte >= 0x80 && base::Utf8SequenceLength(byte) > 0) {
    pending_.push_back(static_cast<char>(byte));
    expected_ = base::Utf8SequenceLength(byte);
    return;
  }
  const char c = static_cast<char>(byte);
  EscapeInto(std::string_view(&c, 1), true, [&](std::string_view piece) { Emit(piece); });
}

int TerminalFilter::overflow(int c) {
  if (c == traits_type::eof()) return traits_type::not_eof(c);
  Put(static_cast<unsigned char>(c));
  return c;
}

std::streamsize TerminalFilter::xsputn(const char* s, std::streamsize n) {
  for (std::streamsize i = 0; i < n; ++i) Put(static_cast<unsigned char>(s[i]));
  return n;
}

int TerminalFilter::sync() { return out_->pubsync(); }

GuardedTerminal::GuardedTerminal()
    : cout_raw_(std::cout.rdbuf()),
      cerr_raw_(std::cerr.rdbuf()),
      cout_filter_(cout_raw_),
      cerr_filter_(cerr_raw_) {
  g_raw_stdout = cout_raw_;
  std::cout.rdbuf(&cout_filter_);
  std::cerr.rdbuf(&cerr_filter_);
}

GuardedTerminal::~GuardedTerminal() {
  std::cout.flush();
  std::cerr.flush();
  std::cout.rdbuf(cout_raw_);
  std::cerr.rdbuf(cerr_raw_);
  g_raw_stdout = nullptr;
}

std::streambuf* RawStdout() { return g_raw_stdout != nullptr ? g_raw_stdout : std::cout.rdbuf(); }

}  // namespace mend::client
