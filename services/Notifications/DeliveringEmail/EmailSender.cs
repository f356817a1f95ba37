using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using PolicyTracker.Notifications.Deliveries;

namespace PolicyTracker.Notifications.DeliveringEmail;

/// <summary>Sends an email delivery through the configured SMTP server, plain text and HTML.</summary>
public sealed class EmailSender(IOptions<EmailOptions> options)
{
    public async Task<AttemptResult> SendAsync(Delivery delivery, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var content = delivery.Email ?? new EmailContent("[PolicyTracker] " + delivery.Type, delivery.Body, $"<pre>{System.Net.WebUtility.HtmlEncode(delivery.Body)}</pre>");
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(o.From));
        message.To.Add(MailboxAddress.Parse(delivery.Target));
        message.Subject = content.Subject;
        message.MessageId = $"{delivery.WebhookId}@policytracker";
        message.Body = new BodyBuilder { TextBody = content.Text, HtmlBody = content.Html }.ToMessageBody();
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(o.Timeout);
        try
        {
            using var smtp = new SmtpClient { Timeout = (int)o.Timeout.TotalMilliseconds };
            await smtp.ConnectAsync(o.SmtpHost, o.SmtpPort, o.UseTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None, attempt.Token);
            if (!string.IsNullOrEmpty(o.Username))
            {
                await smtp.AuthenticateAsync(o.Username, o.Password ?? "", attempt.Token);
            }
            await smtp.SendAsync(message, attempt.Token);
            await smtp.DisconnectAsync(true, attempt.Token);
            return new AttemptResult(250, null, null);
        }
        catch (SmtpCommandException ex)
        {
            return new AttemptResult((int)ex.StatusCode, null, ex.Message);
        }
        catch (Exception ex) when (ex is SmtpProtocolException or IOException or System.Net.Sockets.SocketException
                                       or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new AttemptResult(null, null, ex.Message);
        }
    }
}
