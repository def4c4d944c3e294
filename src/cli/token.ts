import { Command } from 'commander';
import { withExamples } from './help.js';

/** `kubeboot token`: bootstrap tokens. `generate` today; create/list/delete come with the cluster objects. */
export function tokenCommand(): Command {
  const generate = withExamples(
    new Command('generate')
      .description('print a new random bootstrap token in kubeadm\'s format ([a-z0-9]{6}.[a-z0-9]{16}); nothing is stored')
      .action(async () => {
        const { generateBootstrapToken } = await import('../config/bootstrap-token.js');
        process.stdout.write(`${generateBootstrapToken()}\n`);
      }),
    [['kubeboot token generate', 'a token to put in InitConfiguration.bootstrapTokens']],
  );
  return withExamples(new Command('token').description('bootstrap tokens, as kubeadm token').addCommand(generate), [['kubeboot token generate', 'a new random token']]);
}
