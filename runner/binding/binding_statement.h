/*
** binding_statement.h: the insides of a Statement, which
** binding_statement.c and binding_cursor.c share: a cursor reads the rows
** of its statement's current result, through the statement's handle and
** row buffer. The other files of the binding know a Stmt only through
** binding.h's functions; nothing else includes this.
*/

#ifndef luamig_binding_statement_h
#define luamig_binding_statement_h

#include "lua.h"

#include "binding.h"

struct Stmt {
  Conn *conn;            /* NULL when closed */
  void *handle;          /* NULL when closed */
  Stmt *prev, *next;     /* in conn->stmts */
  lm_value *row;         /* row buffer (second user value) */
  int rowcap;            /* its size in values */
  int ncols;             /* columns of the current result */
  Cursor *cursor;        /* the cursor reading the current result, if any */
  int decimal_numbers;   /* the connection's mode when prepared */
};


/* binding_statement.c */
void lmb_push_row_keys (lua_State *L, Stmt *s);
void lmb_push_row (lua_State *L, Stmt *s, int keys);

#endif
