import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { dependencyUnavailable } from '../../kernel/errors';
import type { NoticeSender } from '../ports';

/** Amazon SES (v2) in the deployed stack. The from-address is a verified SES identity. */
export class SesNoticeSender implements NoticeSender {
  private readonly client: SESv2Client;

  constructor(
    private readonly fromAddress: string,
    region: string,
  ) {
    this.client = new SESv2Client({ region });
  }

  async send(message: { to: string; subject: string; body: string; noticeId: string }): Promise<string> {
    try {
      const out = await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: this.fromAddress,
          Destination: { ToAddresses: [message.to] },
          Content: { Simple: { Subject: { Data: message.subject }, Body: { Text: { Data: message.body } } } },
          EmailTags: [{ Name: 'notice', Value: message.noticeId.replace(/[^A-Za-z0-9_-]/g, '_') }],
        }),
      );
      return out.MessageId ?? 'ses';
    } catch (error) {
      throw dependencyUnavailable('email_unavailable', 'the email service did not accept the message', error);
    }
  }
}
