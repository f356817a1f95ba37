using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;

namespace PolicyTracker.Web.Signing;

/// <summary>Bound from DataProtection.</summary>
public sealed class KeyStorageOptions
{
    public const string Section = "DataProtection";

    /// <summary>Where the keys that encrypt sign-in cookies are kept; unset, beside the app.</summary>
    public string? KeysDirectory { get; set; }
}

public static class SigningSetup
{
    /// <summary>
    /// Cookie sign-in: the key stays server-side inside an encrypted HttpOnly SameSite cookie, and the
    /// Data Protection keys that encrypt it are persisted so a restart does not sign everyone out.
    /// </summary>
    public static IHostApplicationBuilder AddSigning(this IHostApplicationBuilder builder)
    {
        // Read while building: Data Protection takes its key store then.
        var keysDirectory = builder.Configuration.GetSection(KeyStorageOptions.Section).Get<KeyStorageOptions>()?.KeysDirectory
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
