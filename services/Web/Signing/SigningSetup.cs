using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;

namespace PolicyTracker.Web.Signing;

public static class SigningSetup
{
    /// <summary>
    /// Cookie sign-in: the key stays server-side inside an encrypted HttpOnly SameSite cookie, and the
    /// Data Protection keys that encrypt it are persisted so a restart does not sign everyone out.
    /// </summary>
    public static IHostApplicationBuilder AddSigning(this IHostApplicationBuilder builder)
    {
        var keysDirectory = builder.Configuration["DataProtection:KeysDirectory"]
            ?? Path.Combine(builder.Environment.ContentRootPath, ".data-protection-keys");
        builder.Services.AddDataProtection()
            .SetApplicationName("PolicyTracker.Web")
            .PersistKeysToFileSystem(new DirectoryInfo(keysDirectory));

        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.Cookie.Name = "policytracker.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.LoginPath = "/signin";
                o.LogoutPath = "/signout";
                o.AccessDeniedPath = "/forbidden";
                o.ExpireTimeSpan = TimeSpan.FromHours(12);
                o.SlidingExpiration = true;
            });
        builder.Services.AddAuthorization();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddScoped<KeyCheck>();
        return builder;
    }
}
