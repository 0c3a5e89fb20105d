/* The `teeproof` subcommands; main.c dispatches argv[1] to one of these with argv[0] set
 * to the subcommand name. Each returns the process exit status. */
#ifndef TP_CLI_COMMANDS_H
#define TP_CLI_COMMANDS_H

/* teeproof evidence FILE --platform P [...]: verifies raw evidence and prints its facts. */
int tp_cli_evidence(int argc, char **argv);
/* teeproof prove --notary HOST:PORT --manifest FILE [...]: makes a proof. */
int tp_cli_prove(int argc, char **argv);
/* teeproof verify PROOF (--allow-insecure-sim | --policy FILE) [--manifest FILE]
 * [--disclosure FILE]. */
int tp_cli_verify(int argc, char **argv);
/* teeproof disclose --openings FILE [--var NAME]... [--request] [--response]: reveals items. */
int tp_cli_disclose(int argc, char **argv);
/* teeproof export PROOF --format eip191|pluto (...) [--out FILE]: a verified proof for a
 * contract or for Pluto-format consumers. */
int tp_cli_export(int argc, char **argv);
/* teeproof attestation --notary HOST:PORT (...): checks a notary's evidence. */
int tp_cli_attestation(int argc, char **argv);

#endif
