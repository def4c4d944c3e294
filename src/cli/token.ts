import { Command } from 'commander';
import { list } from './config-options.js';
import { withExamples } from './help.js';
import { outputOption } from './output-format.js';

const connection = (command: Command): Command =>
  command
    .option('--kubeconfig <file>', 'the kubeconfig to talk to the cluster with (default: /etc/kubernetes/admin.conf under --rootfs)')
    .option('--rootfs <dir>', 'the root kubeboot init used (where admin.conf is)');

function createCommand(): Command {
  const command = connection(
    new Command('create')
      .description('create a bootstrap token on the cluster (a new random one unless given) and print it')
      .argument('[token]', 'the token, [a-z0-9]{6}.[a-z0-9]{16}')
      .option('--ttl <duration>', 'how long until the token expires (0: never)', '24h0m0s')
      .option('--usages <usages>', 'what the token may be used for: signing, authentication', list)
      .option('--groups <groups>', 'extra groups the token authenticates as', list)
      .option('--description <text>', 'a human-readable description')
      .option('--print-join-command', 'print the whole kubeadm join command instead of the token')
      .option('--certificate-key <key>', 'with --print-join-command: print the control-plane join command with this key'),
  ).action(async (token: string | undefined, options: { ttl: string; usages?: string[]; groups?: string[]; description?: string; printJoinCommand?: boolean; certificateKey?: string; kubeconfig?: string; rootfs?: string }) => {
    const { createToken, DEFAULT_CREATE } = await import('./token-run.js');
    process.stdout.write(await createToken(token, { ...options, usages: options.usages ?? DEFAULT_CREATE.usages, groups: options.groups ?? DEFAULT_CREATE.groups }));
  });
  return withExamples(command, [
    ['kubeboot token create --rootfs /tmp/node1', 'a new 24-hour token for joining nodes'],
    ['kubeboot token create --print-join-command', 'and the kubeadm join command that uses it'],
    ['kubeboot token create abcdef.0123456789abcdef --ttl 2h --description "for rack 7"', 'a given token, for two hours'],
  ]);
}

function listCommand(): Command {
  const command = connection(new Command('list').description('list the bootstrap tokens on the cluster').addOption(outputOption())).action(async (options: { output: string; kubeconfig?: string; rootfs?: string }) => {
    const { listTokens } = await import('./token-run.js');
    process.stdout.write(await listTokens(options));
  });
  return withExamples(command, [
    ['kubeboot token list', 'TOKEN TTL EXPIRES USAGES DESCRIPTION EXTRA GROUPS'],
    ['kubeboot token list -o json', 'for scripts'],
  ]);
}

function deleteCommand(): Command {
  const command = connection(new Command('delete').description('delete bootstrap tokens from the cluster').argument('<token-or-id...>', 'tokens, or their ids (the part before the dot)')).action(
    async (names: string[], options: { kubeconfig?: string; rootfs?: string }) => {
      const { deleteTokens } = await import('./token-run.js');
      await deleteTokens(names, options, (line) => process.stdout.write(`${line}\n`));
    },
  );
  return withExamples(command, [['kubeboot token delete abcdef', 'delete the token with id abcdef']]);
}

/** `kubeboot token`: bootstrap tokens, as `kubeadm token`. */
export function tokenCommand(): Command {
  const generate = withExamples(
    new Command('generate')
      .description("print a new random bootstrap token in kubeadm's format ([a-z0-9]{6}.[a-z0-9]{16}); nothing is stored")
      .action(async () => {
        const { generateBootstrapToken } = await import('../config/bootstrap-token.js');
        process.stdout.write(`${generateBootstrapToken()}\n`);
      }),
    [['kubeboot token generate', 'a token to put in InitConfiguration.bootstrapTokens']],
  );
  return withExamples(new Command('token').description('manage bootstrap tokens, as kubeadm token').addCommand(createCommand()).addCommand(listCommand()).addCommand(deleteCommand()).addCommand(generate), [
    ['kubeboot token create --print-join-command', 'a token and the join command for a worker'],
    ['kubeboot token list', 'the tokens on the cluster'],
  ]);
}
