#include "client/cli/passphrase_strength.h"

#include <sodium.h>
#include <zxcvbn.h>

#include <cstring>

namespace mend::client {
namespace {

// 256 short, common, distinct English words: 8 bits each.
constexpr const char* kWords[256] = {
    "able", "acid", "aged", "also", "area", "army", "away", "baby", "back", "ball", "band", "bank",
    "base", "bath", "bear", "beat", "bell", "belt", "bird", "blue", "boat", "body", "bone", "book",
    "boot", "born", "boss", "bowl", "bulk", "burn", "bush", "busy", "cake", "calm", "camp", "card",
    "care", "cart", "case", "cash", "cast", "cell", "chat", "chip", "city", "clay", "club", "coal",
    "coat", "code", "cold", "cook", "cool", "copy", "corn", "cost", "crew", "crop", "cube", "cure",
    "dark", "data", "dawn", "deal", "dear", "deck", "deep", "deer", "desk", "dial", "dice", "diet",
    "disk", "dock", "door", "dose", "dove", "down", "draw", "drum", "dual", "duck", "dust", "duty",
    "each", "earn", "east", "easy", "echo", "edge", "epic", "even", "exit", "face", "fact", "fair",
    "fall", "farm", "fast", "fern", "film", "fire", "fish", "flag", "flat", "flow", "foam", "fold",
    "folk", "food", "foot", "fork", "form", "fort", "frog", "fuel", "full", "fund", "gain", "game",
    "gate", "gear", "gift", "glad", "glow", "goal", "gold", "golf", "good", "gray", "grid", "grow",
    "gulf", "hair", "half", "hall", "hand", "harp", "hawk", "head", "heat", "herb", "hero", "hill",
    "hint", "home", "hook", "hope", "horn", "host", "hour", "huge", "idea", "inch", "iron", "item",
    "jazz", "jump", "kind", "king", "kite", "knee", "knot", "lake", "lamp", "land", "lane", "last",
    "leaf", "lens", "lime", "line", "lion", "list", "loaf", "lock", "loft", "long", "loop", "lord",
    "luck", "lung", "main", "mall", "many", "maps", "mask", "meal", "mild", "milk", "mill", "mind",
    "mint", "mist", "mode", "moon", "moss", "most", "much", "mule", "nail", "name", "navy", "neat",
    "neck", "nest", "news", "next", "nice", "node", "noon", "nose", "note", "oaks", "oath", "open",
    "oval", "oven", "page", "palm", "park", "path", "peak", "pear", "pine", "pink", "pipe", "plan",
    "play", "plot", "plum", "poem", "pole", "pond", "pool", "port", "pure", "quiz", "race", "rack",
    "rain", "ramp", "rare", "reef", "rest", "rice", "ride", "ring", "road", "rock", "roof", "room",
    "root", "rope", "rose", "ruby"};

}  // namespace

double PassphraseBits(const crypto::SecretBytes& passphrase,
                      const std::vector<std::string>& personal_words) {
  // zxcvbn wants a NUL-terminated string: a guarded copy, wiped when done.
  crypto::SecretBytes terminated(passphrase.size() + 1);
  std::memcpy(terminated.data(), passphrase.data(), passphrase.size());
  std::vector<const char*> dict;
  for (const auto& w : personal_words) {
    if (!w.empty()) dict.push_back(w.c_str());
  }
  dict.push_back(nullptr);
  return ZxcvbnMatch(reinterpret_cast<const char*>(terminated.data()), dict.data(), nullptr);
}

crypto::SecretBytes SuggestPassphrase() {
  std::string words;
  for (int i = 0; i < 7; ++i) {
    words += (i ? " " : "");
    words += kWords[randombytes_uniform(256)];
  }
  crypto::SecretBytes out = crypto::SecretBytes::CopyOf(words);
  sodium_memzero(words.data(), words.size());
  return out;
}

}  // namespace mend::client
