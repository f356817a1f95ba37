using System.Security.Claims;

namespace PolicyTracker.Web.Signing;

public static class UserClaims
{
    /// <summary>The user's API key; it lives only inside the encrypted authentication cookie.</summary>
    public const string ApiKeyClaim = "policytracker:api-key";

    public const string Analyst = "analyst";
    public const string Auditor = "auditor";
    public const string Subscriber = "subscriber";
    public const string Admin = "admin";

    // Page access mirrors the API's policies: admin may do everything.
    public const string AnalystPages = "analyst,admin";
    public const string AuditorPages = "auditor,admin";
    public const string SubscriberPages = "subscriber,admin";

    public static string? ApiKey(this ClaimsPrincipal user) => user.FindFirst(ApiKeyClaim)?.Value;

    public static bool IsAnalyst(this ClaimsPrincipal user) => user.IsInRole(Analyst) || user.IsInRole(Admin);

    public static bool IsAuditor(this ClaimsPrincipal user) => user.IsInRole(Auditor) || user.IsInRole(Admin);

    public static bool IsSubscriber(this ClaimsPrincipal user) => user.IsInRole(Subscriber) || user.IsInRole(Admin);
}
