// ncurses for Swift: the wide-character API plus static inline shims for the
// macros Swift cannot import (see TOOLCHAIN.md). Bindings only, no logic.
#ifndef OVERLAP_CNCURSES_SHIM_H
#define OVERLAP_CNCURSES_SHIM_H
#define NCURSES_WIDECHAR 1
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <langinfo.h>
#include <wchar.h>
#include <ncurses.h>
#include <term.h>

static inline int overlap_getmaxy(WINDOW *w) { int y, x; getmaxyx(w, y, x); (void)x; return y; }
static inline int overlap_getmaxx(WINDOW *w) { int y, x; getmaxyx(w, y, x); (void)y; return x; }
static inline attr_t overlap_a_bold(void) { return A_BOLD; }
static inline attr_t overlap_a_reverse(void) { return A_REVERSE; }
static inline attr_t overlap_a_dim(void) { return A_DIM; }
static inline attr_t overlap_a_underline(void) { return A_UNDERLINE; }
static inline int overlap_key_f(int n) { return KEY_F(n); }
/// newterm on the process's stdout/stdin (Swift 6 rejects the FILE* globals).
static inline SCREEN *overlap_newterm_stdio(void) { return newterm(NULL, stdout, stdin); }
/// stdscr is a global Swift 6 rejects; this hands back the current screen's window.
static inline WINDOW *overlap_stdscr(void) { return stdscr; }
#endif
