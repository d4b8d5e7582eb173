import 'reflect-metadata';
import { ConfigService } from '@nestjs/config';
import { ApiKeyDto } from '../api/api-key.dto';
import { ApiKeysModule } from '../api/api-keys.module';
import { ApiKeysService } from '../api/api-keys.service';
import { DomainError, NotFoundError } from '../../platform/errors/domain-errors';
import { StartupError } from '../../platform/errors/startup-error';
import { runningServerUrl } from '../../platform/running-server';
import { TidingsConfigService } from '../../platform/config/configuration';
import { ConfigValidationError } from '../../platform/config/environment';
import {
  ApiKeyCommand,
  formatCreated,
  formatKeyTable,
  formatRevoked,
  parseApiKeyCommand,
  USAGE,
  UsageError,
} from './apikey-command';
import { CliContext, createCliContext } from './cli-context';

/**
 * `npm run apikey -- create|list|revoke`: manages API keys in the server's database, so an
 * operator can issue and withdraw keys without one already in hand.
 */
async function main(argv: string[]): Promise<number> {
  let command: ApiKeyCommand;
  try {
    command = parseApiKeyCommand(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\nRun \`npm run apikey -- --help\` for usage.\n`);
    return 1;
  }
  if (command.command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }

  let ctx: CliContext;
  try {
    ctx = await createCliContext([ApiKeysModule]);
  } catch (err) {
    if (err instanceof ConfigValidationError || err instanceof StartupError) {
      process.stderr.write(`${err.message}\n`);
    } else {
      process.stderr.write(`Cannot open the database: ${(err as Error).message}\n`);
    }
    return 1;
  }
  try {
    await run(ctx, command);
    return 0;
  } catch (err) {
    if (err instanceof DomainError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await ctx.close();
  }
}

async function run(ctx: CliContext, command: Exclude<ApiKeyCommand, { command: 'help' }>) {
  const keys = ctx.app.get(ApiKeysService);
  const out = (text: string) => process.stdout.write(text);
  const json = (value: unknown) => out(`${JSON.stringify(value, null, 2)}\n`);

  switch (command.command) {
    case 'create': {
      const { apiKey, key } = await keys.create(command.name, command.scopes);
      const dto = ApiKeyDto.from(apiKey);
      if (command.json) return json({ ...dto, key });
      const config: TidingsConfigService = ctx.app.get(ConfigService);
      const app = config.get('app', { infer: true });
      // This shell may not set the server's PORT or PUBLIC_URL; a server on DATA_DIR says where it is.
      const url = app.publicUrlConfigured
        ? app.publicUrl
        : (runningServerUrl(app.dataDir) ?? app.publicUrl);
      return out(formatCreated(dto, key, url));
    }
    case 'list': {
      const all = (await keys.list()).map((k) => ApiKeyDto.from(k));
      return command.json ? json(all) : out(formatKeyTable(all));
    }
    case 'revoke': {
      const started = new Date();
      let revoked;
      try {
        revoked = ApiKeyDto.from(await keys.revoke(command.id));
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
        const active = (await keys.list()).filter((k) => !k.revokedAt);
        const choices = active.length
          ? `Active keys:\n${active.map((k) => `  ${k.id}  ${k.name}`).join('\n')}`
          : 'There are no active keys.';
        throw new NotFoundError(`No API key has the id ${command.id}. ${choices}`, 'id');
      }
      if (command.json) return json(revoked);
      const already = !!revoked.revokedAt && revoked.revokedAt < started;
      return out(formatRevoked(revoked, already));
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`apikey failed: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
