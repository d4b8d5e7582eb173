// hoodiecrow-imap ships no type declarations; this covers the part the tests use.
declare module 'hoodiecrow-imap' {
  import type { Server, Socket } from 'node:net';

  namespace hoodiecrow {
    export interface HoodiecrowMessage {
      uid: number;
      flags: string[];
      raw: string;
    }
    export interface HoodiecrowMailbox {
      messages: HoodiecrowMessage[];
    }
    export interface HoodiecrowConnection {
      socket: Socket | null;
      send(
        response: {
          tag: string;
          command: string;
          attributes: Array<{ type: string; value: string }>;
        },
        description: string,
        parsed: unknown,
        data: unknown,
      ): void;
    }
    export type CommandHandler = (
      connection: HoodiecrowConnection,
      parsed: { tag: string },
      data: unknown,
      callback: () => void,
    ) => void;
    export interface HoodiecrowServer {
      server: Server;
      users: Record<string, { password: string }>;
      listen(port: number, host: string, callback: () => void): void;
      close(callback?: () => void): void;
      getMailbox(path: string): HoodiecrowMailbox | undefined;
      appendMessage(
        mailbox: string,
        flags: string[],
        internaldate: Date,
        raw: string,
      ): { message: HoodiecrowMessage };
      getCommandHandler(command: string): CommandHandler | false;
      setCommandHandler(command: string, handler: CommandHandler): void;
    }
  }
  function hoodiecrow(options: {
    plugins?: string[];
    users?: Record<string, { password: string }>;
    storage?: Record<string, unknown>;
  }): hoodiecrow.HoodiecrowServer;
  export = hoodiecrow;
}
