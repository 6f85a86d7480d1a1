/** Transaction control, shared by the append and migration paths. */
export const transaction = {
  begin: { text: 'begin' },
  commit: { text: 'commit' },
  rollback: { text: 'rollback' },
} as const;
