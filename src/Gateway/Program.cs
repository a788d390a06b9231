using OpsCentre.Gateway.Administration;
using OpsCentre.Gateway.Alerts;
using OpsCentre.Gateway.ApiReference;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Campaigns;
using OpsCentre.Gateway.Citizens;
using OpsCentre.Gateway.Collections;
using OpsCentre.Gateway.ClusterDashboard;
using OpsCentre.Gateway.Devices;
using OpsCentre.Gateway.Drills;
using OpsCentre.Gateway.EventLog;
using OpsCentre.Gateway.Health;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Imports;
using OpsCentre.Gateway.Incidents;
using OpsCentre.Gateway.KeyPersons;
using OpsCentre.Gateway.Limits;
using OpsCentre.Gateway.Mediation;
using OpsCentre.Gateway.Registries;
using OpsCentre.Gateway.MachineClients;
using OpsCentre.Gateway.Notifications;
using OpsCentre.Gateway.Photos;
using OpsCentre.Gateway.Screens;
using OpsCentre.Gateway.Telemetry;
using OpsCentre.Gateway.Units;
using OpsCentre.Gateway.Workers;
using OpsCentre.ServiceDefaults;
using Serilog;

OpsCentreLogging.CreateBootstrapLogger();
try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddOpsCentreLogging("gateway");
    builder.AddOpsCentreTelemetry("gateway", serveScrapeEndpoint: true);
    builder.AddOpsCentreCluster();
    builder.AddOpsCentreOrleansDashboard();
    builder.AddOpsCentreDatabase();
    builder.AddOpsCentreHttpDefaults();
    builder.AddOpsCentreForwardedHeaders();
    builder.AddOpsCentreAuth();
    builder.AddOpsCentreLimits();
    builder.AddOpsCentreMachineClients();
    builder.AddOpsCentreCitizens();
    builder.AddOpsCentrePhotos();
    builder.AddOpsCentreHandOvers();
    builder.AddOpsCentreReleaseNotices();
    builder.AddOpsCentreCorrections();
    builder.AddOpsCentreMediation();
    builder.AddOpsCentreScreens();
    builder.AddOpsCentreImports();
    builder.AddOpsCentreRegistryExports();
    builder.Services.AddOpsCentreApiDocument();
    builder.Services.AddOpsCentreHealthChecks();

    var app = builder.Build();
    app.UseOpsCentreForwardedHeaders();
    app.UseSerilogRequestLogging(o => o.GetLevel = GatewayHosting.RequestLogLevel);
    app.UseExceptionHandler();
    app.UseStatusCodePages();
    app.UseSecurityHeaders();
    app.UseDefaultFiles();
    app.UseStaticFiles();
    DeviceKeyAuthentication.UseDeviceKeys(app);
    app.UseMiddleware<ClientCallAudit>();

    app.MapOpsCentreApiReference();
    app.MapHealthApi();
    app.MapMetricsApi();
    app.MapAuthApi();
    app.MapOAuthTokenApi();
    app.MapPasswordApi();
    app.MapMeApi();
    app.MapUnitsApi();
    app.MapWorkersApi();
    app.MapKeyPersonsApi();
    app.MapKeyPersonZonesApi();
    app.MapKeyPersonVisitsApi();
    app.MapHandOversApi();
    app.MapTravelLeavesApi();
    app.MapCorrectionsOfficersApi();
    app.MapReleaseNoticesApi();
    app.MapMediationApi();
    app.MapDrillsApi();
    app.MapCampaignsApi();
    app.MapAuditApi();
    app.MapDeviceStatusApi();
    app.MapDeviceWorkApi();
    app.MapDeviceCollectionsApi();
    app.MapDeviceProvisioningApi();
    app.MapAlertsApi();
    app.MapAlertRulesApi();
    app.MapAlertSilencesApi();
    app.MapIncidentsApi();
    app.MapKpisApi();
    app.MapResponsibilityApi();
    app.MapOpen311Api();
    app.MapResidentFollowUpApi();
    app.MapCasePhotosApi();
    app.MapHotlineApi();
    app.MapEventsAdminApi();
    app.MapEventsFeedApi();
    app.MapOperatorsApi();
    app.MapMachineClientsApi();
    app.MapNotificationsApi();
    app.MapDepartmentsApi();
    app.MapCitySettingsApi();
    app.MapAdminChangesApi();
    app.MapImportsApi();
    app.MapRegistryApi();
    app.MapCollectionsApi();
    app.MapPaperApi();
    app.MapRegistryExportApi();
    app.MapPropertyCompaniesApi();
    app.MapOpsCentreScreens();
    app.MapOrleansDashboardApi();

    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is not OperationCanceledException and not HostAbortedException)
{
    Log.Fatal(ex, "Gateway terminated unexpectedly");
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}
