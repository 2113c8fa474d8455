// CLI entry point: parses arguments, runs one command, and maps errors to exit codes (the only place that exits).
process.stdout.write('handoff (skeleton)\n');
