/*
** revscan_lex.h: what the two files of luamig.revscan share; nothing else
** includes it. revscan_lex.c reads a revision file's Lua tokens; revscan.c
** follows the statements those tokens make and builds the record, so it
** needs the tokens' types and the functions below. Each function is
** described where it is defined. Shared names start with lmrs_ so that
** none clashes with a symbol of a program that links libluamig.a.
*/

#ifndef luamig_revscan_lex_h
#define luamig_revscan_lex_h

#include <stddef.h>

typedef enum {
  T_EOF, T_ERROR, T_NAME, T_STRING, T_NUMBER,
  /* keywords */
  K_AND, K_BREAK, K_DO, K_ELSE, K_ELSEIF, K_END, K_FALSE, K_FOR, K_FUNCTION,
  K_GOTO, K_IF, K_IN, K_LOCAL, K_NIL, K_NOT, K_OR, K_REPEAT, K_RETURN,
  K_THEN, K_TRUE, K_UNTIL, K_WHILE,
  /* punctuation the scanner looks at; any other operator is P_OP */
  P_DOT, P_COLON, P_DBCOLON, P_SEMI, P_COMMA, P_ASSIGN, P_DOTS,
  P_LPAREN, P_RPAREN, P_LBRACKET, P_RBRACKET, P_LBRACE, P_RBRACE, P_OP
} Kind;

/* The names the scanner watches (any other name is N_OTHER). */
typedef enum {
  N_REVISION, N_DOWN_REVISION, N_BRANCH_LABELS, N_DEPENDS_ON, N_TRANSACTIONAL,
  N_UPGRADE, N_DOWNGRADE, N_EXPAND, N_CONTRACT, N_DOWNGRADE_EXPAND, N_DOWNGRADE_CONTRACT,
  N_ENV, N_OTHER
} Watched;

typedef struct Token {
  Kind kind;
  const char *p;  /* a name's characters; a plain string's contents */
  size_t len;
  int plain;      /* a short string without escapes */
} Token;

typedef struct Scan {
  const char *p, *end;
} Scan;


/* revscan_lex.c: the tokens (scan, push_value) */
void lmrs_next_token (Scan *s, Token *t);
Watched lmrs_watched (const Token *t);

/* revscan_lex.c: characters as Lua's lexer classes them; revscan.c checks
** an id's characters (valid_id) and skips the blanks before the first
** line's comment (push_doc) with the same classes. */
int lmrs_is_alnum (int c);
int lmrs_is_space (int c);

#endif
