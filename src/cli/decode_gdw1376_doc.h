/*
 * The Q/GDW 1376.1 Fn dictionary as a Markdown table (`meterhub items
 * --gdw1376`), generated from the codec's own table so the protocol page
 * (docs/protocols/gdw1376.md) cannot drift from the code; a test compares.
 */
#ifndef MH_CLI_DECODE_GDW1376_DOC_H
#define MH_CLI_DECODE_GDW1376_DOC_H

#include <stdio.h>

/* Write the table to out. Returns 0, or -1 on a write error. */
int gdw1376_doc_fn_table(FILE *out);

/*
 * The application functions (`meterhub items --gdw1376-afn`, the table of
 * docs/protocols/gdw1376-afn.md): every (AFN, Fn) of the codec's
 * catalogue with its direction, the ERC records with their fields, and
 * the Fn dictionary's AFNs in brief. Returns 0, or -1 on a write error.
 */
int gdw1376_doc_afn_table(FILE *out);

#endif
