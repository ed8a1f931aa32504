import { App } from 'aws-cdk-lib';
import { settingsFromContext } from './context.js';
import { addNagChecks } from './nag.js';
import { PublisherStack } from './publisher-stack.js';

// Environment-agnostic on purpose: `cdk synth` works offline with no AWS credentials, and
// `cdk deploy` deploys to the account and region of the credentials it runs with.
const app = new App();
const settings = settingsFromContext(app.node);
new PublisherStack(app, settings.stackName, { publisher: settings.publisher });
addNagChecks(app);
app.synth();
