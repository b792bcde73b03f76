import { createSmtpSender, type SmtpConfig, type SmtpSender } from '@fixlify/channels';

export interface SmtpSenders {
  /** the connection pool of this owner's account ('' for the deployment's), replaced when its settings change */
  of: (owner: string, config: SmtpConfig) => SmtpSender;
  close: () => void;
}

/** One SMTP connection pool per account (the deployment's, and each organization's own). */
export const createSmtpSenders = (): SmtpSenders => {
  const senders = new Map<string, { fingerprint: string; sender: SmtpSender }>();
  return {
    of: (owner, config) => {
      const fingerprint = JSON.stringify(config);
      const cur = senders.get(owner);
      if (cur?.fingerprint === fingerprint) return cur.sender;
      cur?.sender.close();
      const sender = createSmtpSender(config);
      senders.set(owner, { fingerprint, sender });
      return sender;
    },
    close: () => {
      for (const { sender } of senders.values()) sender.close();
    },
  };
};
