// A partner's text cannot drive the other's terminal or a report: every C0
// and C1 control, DEL, every bidirectional control and every byte that is not
// UTF-8 comes out escaped, by the one function every output path uses.
#include "client/views/text_safety.h"

#include <gtest/gtest.h>

#include <sstream>

namespace mend::client {
namespace {

std::string Utf8(uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    s.push_back(static_cast<char>(0xC0 | cp >> 6));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    s.push_back(static_cast<char>(0xE0 | cp >> 12));
    s.push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3F)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return s;
}

// Every character a partner could use to rewrite a screen, and some bytes
// that are not UTF-8 at all.
std::string Hostile() {
  std::string s = "fine";
  for (uint32_t c = 0; c < 0x20; ++c) s += Utf8(c) + "|";
  s += Utf8(0x7F) + "|";
  for (uint32_t c = 0x80; c <= 0x9F; ++c) s += Utf8(c) + "|";
  for (uint32_t c : {0x061Cu, 0x200Eu, 0x200Fu, 0x202Au, 0x202Bu, 0x202Cu, 0x202Du, 0x202Eu,
                     0x2066u, 0x2067u, 0x2068u, 0x2069u}) {
    s += Utf8(c) + "|";
  }
  s += "\x9b"
       "31m|\xc0\xaf|\xe2\x80|\xed\xa0\x80|";  // lone C1 byte, overlong, truncated, surrogate
  s += "\x1b[2K\x1b[1A\x1b[31mFORGED: Sam acknowledged everything";
  return s;
}

// True when `out` holds nothing a terminal would act on but plain newlines.
bool Inert(const std::string& out) {
  for (size_t i = 0; i < out.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(out[i]);
    if ((c < 0x20 && c != '\n') || c == 0x7F || c >= 0x80) {
      // Only well-formed, harmless UTF-8 may remain; this input has none.
      return false;
    }
  }
  return true;
}

TEST(TextSafety, EveryControlAndBidiCharacterIsEscaped) {
  const std::string out = EscapeControls(Hostile(), /*keep_newlines=*/true);
  EXPECT_TRUE(Inert(out)) << out;
  EXPECT_NE(out.find("\\x1b[2K"), std::string::npos);
  EXPECT_NE(out.find("\\u202e"), std::string::npos);
  EXPECT_NE(out.find("\\u0085"), std::string::npos);
  EXPECT_NE(out.find("\\x9b"), std::string::npos);
  EXPECT_NE(out.find('\n'), std::string::npos);  // a newline in a body stays
  EXPECT_EQ(EscapeControls("a\nb", false), "a\\x0ab");
  // Ordinary text, accents and emoji pass untouched.
  EXPECT_EQ(EscapeControls("Café — ça va? 💙", true), "Café — ça va? 💙");
}

TEST(TextSafety, TheTerminalFilterEscapesTheSameWhateverTheWritesSplit) {
  const std::string text = Hostile() + "\nCafé — ça va? 💙\n";
  for (size_t chunk : {1u, 2u, 3u, 5u, 7u, 1000u}) {
    std::stringstream sink;
    {
      TerminalFilter filter(sink.rdbuf());
      std::ostream out(&filter);
      for (size_t i = 0; i < text.size(); i += chunk) out << text.substr(i, chunk);
      out.flush();
    }
    EXPECT_EQ(sink.str(), EscapeControls(text, true)) << "chunk " << chunk;
  }
}

// A several-line answer under a name: none of its lines may start where
// mend's own lines start ("Sam has answered; ...").
TEST(TextSafety, IndentedLinesIndentEveryLineAndEscapeTheRest) {
  EXPECT_EQ(IndentedLines("one", "    "), "    one\n");
  EXPECT_EQ(IndentedLines("one\nSam has revealed\n\x1b[1A", "  "),
            "  one\n  Sam has revealed\n  \\x1b[1A\n");
  EXPECT_EQ(IndentedLines("", "  "), "  \n");
}

TEST(TextSafety, MarkdownAndHtmlCarryNoMarkupFromTheText) {
  const std::string text =
      "![x](http://example.com/a.png) <img src=x onerror=alert(1)> [link](http://e) # heading\n| a "
      "| b |\n> quote "
      "*em* `code` <https://example.com>";
  const std::string md = EscapeMarkdown(text);
  for (size_t i = 0; i < md.size(); ++i) {  // every markup character is escaped
    if (std::string_view("![]()<>|*`#").find(md[i]) != std::string_view::npos) {
      EXPECT_TRUE(i > 0 && md[i - 1] == '\\')
          << "unescaped " << md[i] << " at " << i << " in " << md;
    }
  }
  EXPECT_TRUE(Inert(EscapeMarkdown(Hostile())));
  const std::string html = EscapeHtml(text + Hostile());
  EXPECT_EQ(html.find('<'), std::string::npos);
  EXPECT_TRUE(Inert(html));
}

}  // namespace
}  // namespace mend::client
