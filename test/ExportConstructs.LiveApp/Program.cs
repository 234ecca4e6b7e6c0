using Amazon.CDK;
using ExportConstructs.LiveApp;

// Run by the live suite as `cdk deploy --app "dotnet ExportConstructs.LiveApp.dll" -c ImageId=… -c BucketName=…`.
var app = new App();
new LiveStack(app, LiveStack.StackNameOf(app), new StackProps
{
    Description = "ExportConstructs live check: one short VM export; created and deleted by the live test suite.",
});
app.Synth();
