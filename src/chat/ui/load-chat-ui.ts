/** The variables ink's `is-in-ci` reads. */
const CI_VARIABLES = ['CI', 'CONTINUOUS_INTEGRATION'] as const;

/**
 * Imports the chat UI (and with it ink) so that it draws on an interactive terminal even when
 * `CI` is set in its environment. ink 6 decides once, when it is first imported, whether it runs
 * in CI (`is-in-ci`), and then writes nothing but the last frame on exit: the screen stays blank.
 * No render option overrides that, so the variables are hidden for the duration of the import
 * and put back after it; nothing else in the process (a scenario's child processes, say) sees the
 * difference. Without a terminal `im chat` refuses to start anyway. This must be the first import
 * of ink in the process: a module that is already loaded keeps what it decided.
 */
export async function loadChatUi(interactive: boolean): Promise<typeof import('./run-chat-ui.js')> {
  const saved = CI_VARIABLES.map((name) => [name, process.env[name]] as const);
  if (interactive) for (const [name] of saved) delete process.env[name];
  try {
    return await import('./run-chat-ui.js');
  } finally {
    for (const [name, value] of saved) if (value !== undefined) process.env[name] = value;
  }
}
