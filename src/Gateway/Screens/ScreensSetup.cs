using Microsoft.AspNetCore.SignalR;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Units;
using OpsCentre.Grains.EventLog;
using OpsCentre.Grains.Map;

namespace OpsCentre.Gateway.Screens;

public static class ScreensSetup
{
    public static IHostApplicationBuilder AddOpsCentreScreens(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ScreenOptions>().BindConfiguration(ScreenOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.MaxReplayEventsByRole.Values.All(bound => bound >= 0), "Screens:MaxReplayEventsByRole: every bound must be 0 or more")
            .ValidateOnStart();
        builder.Services.AddSignalR(o => o.AddFilter<UnavailableHubFilter>());
        builder.Services.AddSingleton<UnitDirectory>();
        builder.Services.AddSingleton<EventLogStore>();
        builder.Services.AddSingleton<MapStore>();
        builder.Services.AddSingleton<ScreenFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ScreenFeed>());
        builder.Services.AddHostedService<ScreenStandingWatch>();
        return builder;
    }

    public static IEndpointRouteBuilder MapOpsCentreScreens(this IEndpointRouteBuilder app)
    {
        // A connection ends when its access token expires; the screen reconnects with a refreshed
        // token and its cursor, and misses nothing in between.
        app.MapHub<OpsHub>(AuthenticationSetup.HubPath, o => o.CloseOnAuthenticationExpiration = true);
        app.MapSubjectNamesApi();   // what a screen shows in place of its alerts' subject ids
        return app;
    }
}
