/*
** revrecords.h: how luamig.revgraph reads the ids, parents and docs of
** the records list luamig.revcache's lookup returns, without making the
** records. The two modules share this header and nothing else.
**
** lookup's list makes each record (a Lua table) when it is first read; a
** graph needs only ids and parents, which the cache's entries hold. So the
** list's metatable carries, at RECORDS_VIEW_FIELD, a light userdata
** pointing to a RevRecordsView: the ids and parents of every record,
** decoded from the entries into C strings, and where each doc lies in its
** entry (history prints them). It lives as long as the list.
** It is complete only when every file was a hit; a list with a miss (or
** with a record put in by hand) is read as a plain list of records.
*/

#ifndef luamig_revrecords_h
#define luamig_revrecords_h

#include <stddef.h>

#define RECORDS_VIEW_FIELD "__luamig_records_view"

typedef struct RevRecordsView {
  int complete;          /* every record is a cache hit: the fields below hold */
  size_t n;              /* records */
  const char **id;       /* record i's id, NUL-terminated, id_len[i] bytes before the NUL */
  size_t *id_len;
  size_t *down_at;       /* record i's parents: down[down_at[i] .. down_at[i + 1]) */
  const char **down;     /* NUL-terminated */
  size_t *down_len;
  unsigned char *extra;  /* record i has branch labels or depends_on */
  const char **doc;      /* record i's doc: doc_len[i] bytes in its entry, not NUL-terminated */
  size_t *doc_len;
  char *strings;         /* the bytes of the ids and parents */
} RevRecordsView;

#endif
